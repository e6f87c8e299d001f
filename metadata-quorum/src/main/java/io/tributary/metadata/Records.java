package io.tributary.metadata;

import io.tributary.proto.metadata.v1.BrokerRegistrationChangeRecord;
import io.tributary.proto.metadata.v1.ConfigRecord;
import io.tributary.proto.metadata.v1.MetadataCommandResult;
import io.tributary.proto.metadata.v1.MetadataRecord;
import io.tributary.proto.metadata.v1.PartitionRecord;
import io.tributary.proto.metadata.v1.RemoveTopicRecord;
import io.tributary.proto.metadata.v1.TopicRecord;
import io.tributary.proto.v1.ErrorCode;

/** Small builders for metadata records and command results. */
final class Records {
    private Records() {
    }

    static MetadataRecord topic(String name, String topicId) {
        return MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName(name).setTopicId(topicId)).build();
    }

    static MetadataRecord partition(String topicId, PartitionRegistration p) {
        return MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder()
                .setTopicId(topicId).setPartition(p.partition()).addAllReplicas(p.replicas()).addAllIsr(p.isr())
                .setLeader(p.leader()).setLeaderEpoch(p.leaderEpoch()).setPartitionEpoch(p.partitionEpoch())).build();
    }

    static MetadataRecord config(String topicId, String key, String value) {
        ConfigRecord.Builder b = ConfigRecord.newBuilder().setTopicId(topicId).setKey(key);
        if (value != null) {
            b.setValue(value);
        }
        return MetadataRecord.newBuilder().setConfig(b).build();
    }

    static MetadataRecord removeTopic(String topicId) {
        return MetadataRecord.newBuilder().setRemoveTopic(RemoveTopicRecord.newBuilder().setTopicId(topicId)).build();
    }

    /** A registration change; a null flag is left unchanged. */
    static MetadataRecord brokerChange(int brokerId, long brokerEpoch, Boolean fenced, Boolean inControlledShutdown) {
        BrokerRegistrationChangeRecord.Builder b = BrokerRegistrationChangeRecord.newBuilder().setBrokerId(brokerId)
                .setBrokerEpoch(brokerEpoch);
        if (fenced != null) {
            b.setFenced(fenced);
        }
        if (inControlledShutdown != null) {
            b.setInControlledShutdown(inControlledShutdown);
        }
        return MetadataRecord.newBuilder().setBrokerRegistrationChange(b).build();
    }

    static MetadataCommandResult error(ErrorCode code, String message) {
        return MetadataCommandResult.newBuilder().setErrorCode(code.getNumber()).setErrorMessage(message).build();
    }

    static MetadataCommandResult ok() {
        return MetadataCommandResult.getDefaultInstance();
    }
}
