package io.tributary.broker.producer;

import io.tributary.broker.producer.ValidationResult.Duplicate;
import io.tributary.broker.producer.ValidationResult.OutOfOrderSequence;
import io.tributary.broker.producer.ValidationResult.SequenceBeforeRetained;
import io.tributary.record.RecordBatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded simulation: idempotent producers with up to 5 batches in flight send over a network that
 * drops, duplicates and reorders requests and responses; producers retry unacknowledged batches at
 * random; the leader fails over now and then (the new leader's log may lack the unacknowledged tail,
 * and its producer state is rebuilt from that log). Afterwards every producer's batches are in the log
 * exactly once, in sequence order, at the offsets the producer was told. A failing seed reproduces.
 */
class IdempotentProducerSimulationTest {
    private static final int MAX_IN_FLIGHT = 5;
    private static final int MAX_STEPS = 500_000;

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 60);
    }

    private record Request(int producer, int batch) {
    }

    private record Response(int producer, int batch, ValidationResult result, long baseOffset) {
    }

    private static final class SimProducer {
        final long producerId;
        final int[] sequences;
        final int[] counts;
        final long[] ackedOffset;
        int nextToSend;
        int lowestUnacked;

        SimProducer(long producerId, int batches, Random random) {
            this.producerId = producerId;
            sequences = new int[batches];
            counts = new int[batches];
            ackedOffset = new long[batches];
            java.util.Arrays.fill(ackedOffset, -1L);
            int seq = 0;
            for (int i = 0; i < batches; i++) {
                sequences[i] = seq;
                counts[i] = 1 + random.nextInt(3);
                seq += counts[i];
            }
        }

        boolean done() {
            return lowestUnacked == sequences.length;
        }

        RecordBatch build(int batch) {
            return PartitionLogStub.batch(producerId, 0, sequences[batch], counts[batch]);
        }

        void onSuccess(int batch, long offset) {
            if (ackedOffset[batch] >= 0) {
                assertThat(offset).as("offset of a re-acknowledged batch %d of producer %d", batch, producerId)
                        .isEqualTo(ackedOffset[batch]);
            }
            ackedOffset[batch] = offset;
            while (lowestUnacked < sequences.length && ackedOffset[lowestUnacked] >= 0) {
                lowestUnacked++;
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void eachBatchIsInTheLogExactlyOnceAndInOrder(long seed) {
        Random random = new Random(seed);
        List<SimProducer> producers = new ArrayList<>();
        int producerCount = 1 + random.nextInt(3);
        for (int p = 0; p < producerCount; p++) {
            producers.add(new SimProducer(100L + p, 20 + random.nextInt(60), random));
        }
        double dropRate = random.nextDouble() * 0.3;
        double duplicateRate = random.nextDouble() * 0.3;
        double failoverRate = random.nextDouble() * 0.01;

        PartitionLogStub log = new PartitionLogStub();
        ProducerStateManager leader = new ProducerStateManager();
        long committedEnd = 0L; // offsets below have been acknowledged to someone: never truncated
        List<Object> network = new ArrayList<>();
        int failovers = 0;
        int duplicatesAnswered = 0;
        int outOfOrder = 0;

        int step = 0;
        while (!producers.stream().allMatch(SimProducer::done)) {
            if (++step > MAX_STEPS) {
                fail("seed " + seed + " made no progress in " + MAX_STEPS + " steps");
            }
            double roll = random.nextDouble();
            if (roll < failoverRate) {
                // new leader: its log holds the committed prefix and maybe part of the rest
                List<Long> boundaries = new ArrayList<>();
                for (RecordBatch b : log.batches) {
                    if (b.baseOffset() >= committedEnd) {
                        boundaries.add(b.baseOffset());
                    }
                }
                boundaries.add(log.nextOffset);
                log.truncateTo(boundaries.get(random.nextInt(boundaries.size())));
                leader = new ProducerStateManager();
                leader.rebuildFrom(log.batches);
                failovers++;
            } else if (roll < 0.45 || network.isEmpty()) {
                SimProducer p = producers.get(random.nextInt(producers.size()));
                if (p.done()) {
                    continue;
                }
                boolean canSendNew = p.nextToSend < p.sequences.length && p.nextToSend < p.lowestUnacked + MAX_IN_FLIGHT;
                int batch;
                if (canSendNew && (p.nextToSend == p.lowestUnacked || random.nextBoolean())) {
                    batch = p.nextToSend++;
                } else {
                    // retry any sent, unacknowledged batch of the window
                    batch = p.lowestUnacked + random.nextInt(p.nextToSend - p.lowestUnacked);
                    if (p.ackedOffset[batch] >= 0) {
                        continue;
                    }
                }
                network.add(new Request(producers.indexOf(p), batch));
            } else {
                int index = random.nextInt(network.size());
                Object message = network.get(index);
                double fate = random.nextDouble();
                if (fate < dropRate) {
                    network.remove(index);
                    continue;
                }
                if (fate >= dropRate + duplicateRate) {
                    network.remove(index); // else it stays in the network and arrives again later
                }
                if (message instanceof Request request) {
                    SimProducer p = producers.get(request.producer());
                    RecordBatch batch = p.build(request.batch());
                    ValidationResult result = log.produce(leader, batch);
                    long offset = -1L;
                    if (result.shouldAppend()) {
                        offset = batch.baseOffset();
                        committedEnd = Math.max(committedEnd, batch.nextOffset());
                    } else if (result instanceof Duplicate dup) {
                        offset = dup.firstOffset();
                        committedEnd = Math.max(committedEnd, dup.lastOffset() + 1);
                        duplicatesAnswered++;
                    } else if (result instanceof OutOfOrderSequence) {
                        outOfOrder++;
                    } else if (result instanceof SequenceBeforeRetained) {
                        // a late copy of a request: the producer keeps its unanswered batches within the
                        // leader's window, so only an acknowledged batch can have fallen out of it
                        assertThat(p.ackedOffset[request.batch()]).as("seed %d: unacknowledged batch %d of producer %d "
                                + "fell out of the leader's window", seed, request.batch(), p.producerId).isNotNegative();
                        outOfOrder++;
                    } else {
                        fail("seed " + seed + ": unexpected " + result);
                    }
                    network.add(new Response(request.producer(), request.batch(), result, offset));
                } else {
                    Response response = (Response) message;
                    if (response.baseOffset() >= 0) {
                        producers.get(response.producer()).onSuccess(response.batch(), response.baseOffset());
                    }
                }
            }
        }

        for (SimProducer p : producers) {
            List<RecordBatch> mine = log.batches.stream().filter(b -> b.producerId() == p.producerId).toList();
            assertThat(mine).as("seed %d producer %d batches in the log", seed, p.producerId).hasSize(p.sequences.length);
            for (int i = 0; i < mine.size(); i++) {
                RecordBatch b = mine.get(i);
                assertThat(b.baseSequence()).as("seed %d batch %d sequence", seed, i).isEqualTo(p.sequences[i]);
                assertThat(b.recordCount()).isEqualTo(p.counts[i]);
                assertThat(b.baseOffset()).as("seed %d batch %d acknowledged offset", seed, i).isEqualTo(p.ackedOffset[i]);
            }
        }
        long expectedOffset = 0L;
        for (RecordBatch b : log.batches) {
            assertThat(b.baseOffset()).isEqualTo(expectedOffset);
            expectedOffset = b.nextOffset();
        }
        ProducerStateManager rebuilt = new ProducerStateManager();
        rebuilt.rebuildFrom(log.batches);
        assertThat(rebuilt.snapshot()).isEqualTo(leader.snapshot());
        // keep the simulation honest: the interesting paths were taken somewhere across the seeds
        assertThat(duplicatesAnswered + outOfOrder + failovers).as("seed %d exercised nothing", seed).isPositive();
    }
}
