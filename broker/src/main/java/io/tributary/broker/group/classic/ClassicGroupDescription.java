package io.tributary.broker.group.classic;

import java.util.List;

/** A classic group as DescribeGroups shows it: a copy, safe to hand to another thread. */
public record ClassicGroupDescription(String groupId, String state, int generation, String protocolType,
                                      String protocolName, String leaderId, List<Member> members) {

    /** {@code metadata} is the member's metadata for the chosen protocol; {@code assignment} what the leader gave it. */
    public record Member(String memberId, String instanceId, String clientId, String clientHost, byte[] metadata,
                         byte[] assignment) {
    }

    static ClassicGroupDescription of(ClassicGroup group) {
        List<Member> members = group.members.values().stream().map(m -> new Member(m.memberId(), m.instanceId(),
                m.clientId(), m.clientHost(), m.metadataFor(group.protocolName).orElse(new byte[0]), m.assignment()))
                .toList();
        return new ClassicGroupDescription(group.groupId(), group.state.label(), group.generation, group.protocolType,
                group.protocolName, group.leaderId, members);
    }
}
