package io.tributary.broker.group;

import java.util.List;

/**
 * What a group request did: the records that carry its change (already applied to the state) and
 * the response, which may be sent only once those records (and every record before them) are
 * committed in the offsets log.
 */
public record CoordinatorResult<T>(List<GroupRecord> records, T response) {
    public CoordinatorResult {
        records = List.copyOf(records);
    }
}
