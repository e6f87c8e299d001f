package io.tributary.broker.group.classic;

import io.tributary.broker.group.GroupRecord;
import java.util.List;
import java.util.Map;

/**
 * What a classic-protocol request or timer did. {@code response} is null when the request is parked
 * (a JoinGroup waits for the rest of the group, a follower's SyncGroup for the leader's); parked
 * requests this step completed are in {@code joins} and {@code syncs}, by the token they were parked
 * under. Like every answer of the coordinator, they may be sent once {@code records} are committed.
 */
public record ClassicOutcome<T>(T response, List<GroupRecord> records, Map<Long, ClassicJoin.Result> joins,
                                Map<Long, ClassicSync.Result> syncs, List<String> removedMembers) {
    public ClassicOutcome {
        records = List.copyOf(records);
        joins = Map.copyOf(joins);
        syncs = Map.copyOf(syncs);
        removedMembers = List.copyOf(removedMembers);
    }
}
