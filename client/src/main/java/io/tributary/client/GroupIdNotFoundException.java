package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/** No group of that id exists (it never committed, or it was deleted). */
public class GroupIdNotFoundException extends TributaryException {
    public GroupIdNotFoundException(String message) {
        super(ErrorCode.GROUP_ID_NOT_FOUND, message);
    }
}
