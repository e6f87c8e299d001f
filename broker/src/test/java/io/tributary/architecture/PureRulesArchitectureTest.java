package io.tributary.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.time.Instant;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * STYLE 8: the rules (replication, controller decisions, producer sequencing, consumer groups) read no clock, make no
 * randomness, start no threads and do no I/O, so that simulations and unit tests drive them
 * deterministically. Checked on the compiled classes: a new class in a pure package is pure
 * unless it is one of the named drivers, which own the I/O.
 */
class PureRulesArchitectureTest {
    /** The metadata module's drivers: Ratis, files, threads and the wall clock live here only. */
    private static final Set<String> METADATA_DRIVERS = Set.of("MetadataQuorum", "MetadataStateMachine",
            "QuorumClient", "QuorumMemberProbe", "EmptyMemberRejoin", "QuorumConfig", "SnapshotFiles", "AtomicFiles", "UnusedPorts",
            "QuorumNoAnswerException", "QuorumUnavailableException");

    /** The broker lifecycle's rules; its drivers (heartbeat timer, gRPC route) live beside them. */
    private static final Set<String> LIFECYCLE_RULES = Set.of("BrokerLease", "ElectionLeaseRule");

    /** The storage rules; segments, the index and the cleaner's I/O live beside them. */
    private static final Set<String> STORAGE_RULES = Set.of("RetentionRule", "CompactionRule", "OffsetMap",
            "ProducedBatches", "TopicCompression");

    private static final DescribedPredicate<JavaClass> PURE = resideInAnyPackage("io.tributary.replication..",
            "io.tributary.broker.producer..", "io.tributary.broker.group..")
            .or(resideInAPackage("io.tributary.broker.lifecycle").and(outermostClassNamed(LIFECYCLE_RULES)))
            .or(resideInAPackage("io.tributary.broker.log").and(outermostClassNamed(STORAGE_RULES)))
            .or(resideInAPackage("io.tributary.metadata..").and(not(outermostClassNamed(METADATA_DRIVERS))))
            .as("pure rule classes");

    private static final DescribedPredicate<JavaClass> IO_AND_THREADS = resideInAnyPackage("java.io..",
            "java.nio.file..", "java.nio.channels..", "java.util.concurrent..", "java.net..", "io.grpc..",
            "org.apache.ratis..", "org.rocksdb..", "org.slf4j..")
            .or(belongToAnyOf(Thread.class, Random.class, java.util.concurrent.ThreadLocalRandom.class))
            .as("I/O, threads, executors, loggers or randomness");

    private static JavaClasses classes;

    /** Package-private drivers cannot be named by class literal from here; nested classes count as theirs. */
    private static DescribedPredicate<JavaClass> outermostClassNamed(Set<String> simpleNames) {
        return DescribedPredicate.describe("one of the drivers " + simpleNames, c -> {
            String name = c.getName().substring(c.getPackageName().length() + 1);
            int nested = name.indexOf('$');
            return simpleNames.contains(nested < 0 ? name : name.substring(0, nested));
        });
    }

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar")) // simulations from test jars
                .importPackages("io.tributary.replication", "io.tributary.metadata", "io.tributary.broker.producer",
                        "io.tributary.broker.lifecycle", "io.tributary.broker.group");
    }

    @Test
    void ruleClassesDoNoIoStartNoThreadsAndMakeNoRandomness() {
        noClasses().that(PURE).should().dependOnClassesThat(IO_AND_THREADS)
                .because("rules are driven by simulations with fake clocks and transports (STYLE 1, 8)")
                .check(classes);
    }

    @Test
    void ruleClassesReadNoClock() {
        noClasses().that(PURE).should().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(Instant.class, "now")
                .orShould().callMethod(UUID.class, "randomUUID")
                .because("time comes in as nowMs and ids from the caller (STYLE 8)")
                .check(classes);
    }
}
