package io.tributary.broker.group;

/**
 * Where a member is in reconciling its assignment with its target (KIP-848's member states). The
 * codes are stored in {@code CurrentMemberAssignmentValue.state} and never change.
 */
public enum MemberState {
    /** The member owns what its target gives it, or all of it that is free. */
    STABLE(0, "stable"),
    /** The member was asked to give up partitions and has not yet said it did. */
    UNREVOKED_PARTITIONS(1, "unrevoked_partitions"),
    /** The member is at its target epoch but waits for partitions other members still own. */
    UNRELEASED_PARTITIONS(2, "unreleased_partitions");

    private final int code;
    private final String label;

    MemberState(int code, String label) {
        this.code = code;
        this.label = label;
    }

    public int code() {
        return code;
    }

    public String label() {
        return label;
    }

    public static MemberState ofCode(int code) {
        for (MemberState state : values()) {
            if (state.code == code) {
                return state;
            }
        }
        throw new IllegalArgumentException("unknown member state code " + code);
    }
}
