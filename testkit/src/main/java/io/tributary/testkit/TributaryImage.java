package io.tributary.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The node image built from a Tributary checkout's deploy/Dockerfile and packaged distribution, for
 * the project's container tests. Without a Docker engine they are skipped, saying so, unless
 * {@code TRIBUTARY_CONTAINERS_REQUIRED=1} (CI, which starts one with deploy/container-engine.sh).
 * {@code TRIBUTARY_BASE_IMAGE} names the Java runtime base (default: the Dockerfile's).
 */
public final class TributaryImage {
    private static ImageFromDockerfile image;

    private TributaryImage() {
    }

    /** The image, built once per JVM; aborts the calling test (JUnit assumption) when no engine answers. */
    public static synchronized ImageFromDockerfile fromCheckout() {
        requireEngine();
        if (image == null) {
            Path root = checkoutRoot();
            Path lib = root.resolve("cli/target/lib");
            Path jar = root.resolve("cli/target/tributary-cli-0.1.0-SNAPSHOT.jar");
            if (!Files.isDirectory(lib) || !Files.isRegularFile(jar)) {
                throw new IllegalStateException("the node image is built from the packaged CLI: run `mvn -DskipTests package` first ("
                        + lib + " or " + jar + " is missing)");
            }
            // every file the Dockerfile copies, named one by one (Testcontainers ignores .dockerignore)
            image = new ImageFromDockerfile("tributary-test-node", false)
                    .withFileFromPath("deploy/Dockerfile", root.resolve("deploy/Dockerfile"))
                    .withFileFromPath("deploy/docker", root.resolve("deploy/docker"))
                    .withFileFromPath("cli/target/lib", lib)
                    .withFileFromPath("cli/target/" + jar.getFileName(), jar)
                    .withDockerfilePath("deploy/Dockerfile");
            Optional.ofNullable(System.getenv("TRIBUTARY_BASE_IMAGE")).filter(s -> !s.isBlank())
                    .ifPresent(base -> image.withBuildArg("BASE_IMAGE", base));
        }
        return image;
    }

    /**
     * Aborts the calling test (JUnit assumption) when no Docker engine answers, or fails it when
     * {@code TRIBUTARY_CONTAINERS_REQUIRED=1}.
     */
    public static void requireEngine() {
        boolean required = "1".equals(System.getenv("TRIBUTARY_CONTAINERS_REQUIRED"));
        boolean engine = DockerClientFactory.instance().isDockerAvailable();
        if (!engine && !required) {
            Assumptions.abort("no Docker engine answers (DOCKER_HOST or /var/run/docker.sock): the container tests are "
                    + "skipped; `eval \"$(deploy/container-engine.sh start)\"` starts one as root");
        }
        if (!engine) {
            throw new IllegalStateException("TRIBUTARY_CONTAINERS_REQUIRED=1 but no Docker engine answers");
        }
    }

    /** The checkout this test runs in: the nearest directory above with deploy/Dockerfile. */
    public static Path checkoutRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("deploy/Dockerfile"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("deploy/Dockerfile not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
