package io.tributary.broker.group.assignor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The server-side assignors a coordinator offers, by name; the first is the default. */
public final class Assignors {
    private final Map<String, PartitionAssignor> byName = new LinkedHashMap<>();
    private final PartitionAssignor defaultAssignor;

    public Assignors(List<PartitionAssignor> assignors) {
        if (assignors.isEmpty()) {
            throw new IllegalArgumentException("at least one assignor is needed");
        }
        assignors.forEach(a -> byName.put(a.name(), a));
        this.defaultAssignor = assignors.get(0);
    }

    /** uniform (the default) and range. */
    public static Assignors standard() {
        return new Assignors(List.of(new UniformAssignor(), new RangeAssignor()));
    }

    public Optional<PartitionAssignor> named(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public PartitionAssignor defaultAssignor() {
        return defaultAssignor;
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }
}
