package io.tributary.broker.group.classic;

import java.util.List;
import java.util.Optional;

/** A member of a classic group, with the requests it has parked on the coordinator. */
public final class ClassicMember {
    private final String memberId;
    private final String instanceId;
    private String clientId;
    private String clientHost;
    private int sessionTimeoutMs;
    private int rebalanceTimeoutMs;
    private List<ClassicProtocol> protocols;
    private byte[] assignment = new byte[0];
    /** The token of its parked JoinGroup: it has joined the rebalance under way. */
    Long joinToken;
    /** The token of its parked SyncGroup. */
    Long syncToken;
    /** Synced at the current generation (a member that has not when the sync deadline passes is removed). */
    boolean synced;
    long sessionDeadlineMs;

    ClassicMember(String memberId, String instanceId, String clientId, String clientHost, int sessionTimeoutMs,
                  int rebalanceTimeoutMs, List<ClassicProtocol> protocols) {
        this.memberId = memberId;
        this.instanceId = instanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.protocols = List.copyOf(protocols);
    }

    /** The same member under a new id: a static member that joined again (its old id is fenced). */
    ClassicMember renamed(String newMemberId) {
        ClassicMember out = new ClassicMember(newMemberId, instanceId, clientId, clientHost, sessionTimeoutMs,
                rebalanceTimeoutMs, protocols);
        out.assignment = assignment;
        return out;
    }

    void update(ClassicJoin.Request request) {
        clientId = request.clientId();
        clientHost = request.clientHost();
        sessionTimeoutMs = request.sessionTimeoutMs();
        rebalanceTimeoutMs = request.rebalanceTimeoutMs();
        protocols = List.copyOf(request.protocols());
    }

    boolean sameProtocols(List<ClassicProtocol> offered) {
        if (offered.size() != protocols.size()) {
            return false;
        }
        for (int i = 0; i < offered.size(); i++) {
            ClassicProtocol a = offered.get(i);
            ClassicProtocol b = protocols.get(i);
            if (!a.name().equals(b.name()) || !java.util.Arrays.equals(a.metadata(), b.metadata())) {
                return false;
            }
        }
        return true;
    }

    Optional<byte[]> metadataFor(String protocolName) {
        return protocols.stream().filter(p -> p.name().equals(protocolName)).map(ClassicProtocol::metadata).findFirst();
    }

    boolean supports(String protocolName) {
        return metadataFor(protocolName).isPresent();
    }

    void setAssignment(byte[] assignment) {
        this.assignment = assignment;
    }

    public String memberId() {
        return memberId;
    }

    public String instanceId() {
        return instanceId;
    }

    public String clientId() {
        return clientId;
    }

    public String clientHost() {
        return clientHost;
    }

    public int sessionTimeoutMs() {
        return sessionTimeoutMs;
    }

    public int rebalanceTimeoutMs() {
        return rebalanceTimeoutMs;
    }

    public List<ClassicProtocol> protocols() {
        return protocols;
    }

    public byte[] assignment() {
        return assignment;
    }
}
