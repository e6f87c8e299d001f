package io.tributary.cli;

import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --bootstrap}, shared by every command that talks to a cluster. */
final class ClusterOptions {
    @Option(names = {"--bootstrap", "-b"}, paramLabel = "HOST:PORT[,HOST:PORT]", defaultValue = "127.0.0.1:9092",
            description = "Addresses to bootstrap from. Default: ${DEFAULT-VALUE}")
    String bootstrap;

    List<String> servers() {
        return Arrays.stream(bootstrap.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
