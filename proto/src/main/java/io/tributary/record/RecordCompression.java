package io.tributary.record;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.xerial.snappy.SnappyInputStream;
import org.xerial.snappy.SnappyOutputStream;

/**
 * The stream formats of a compressed batch's records section, the ones Kafka's clients write and
 * read: gzip (the JDK's), snappy-java's framed stream, the LZ4 frame format with 64 KiB independent
 * blocks and no checksums (what Kafka's own LZ4 stream writes), and a zstd frame at level 3. Each
 * codec is its library's; this class only chooses the settings Kafka chose, so that a batch either
 * side compressed reads on the other.
 */
public final class RecordCompression {
    /** Kafka's default zstd level. */
    private static final int ZSTD_LEVEL = 3;
    private static final int STREAM_BUFFER = 16 * 1024;

    private RecordCompression() {
    }

    /** {@code records} (uncompressed record bytes, position to limit) compressed with {@code type}. */
    public static byte[] compress(CompressionType type, ByteBuffer records) {
        ByteArrayOutputStream sink = new ByteArrayOutputStream(Math.max(64, records.remaining() / 2));
        try (OutputStream out = compressing(type, sink)) {
            ByteBuffer source = records.duplicate();
            if (source.hasArray()) {
                out.write(source.array(), source.arrayOffset() + source.position(), source.remaining());
            } else {
                byte[] chunk = new byte[Math.min(STREAM_BUFFER, source.remaining())];
                while (source.hasRemaining()) {
                    int n = Math.min(chunk.length, source.remaining());
                    source.get(chunk, 0, n);
                    out.write(chunk, 0, n);
                }
            }
        } catch (IOException e) {
            // The sink is memory: only a codec's native library failing gets here.
            throw new UncheckedIOException(type + " compression failed", e);
        }
        return sink.toByteArray();
    }

    /**
     * A stream of the uncompressed record bytes of {@code compressed} (position to limit; not
     * consumed). Reading it throws {@link IOException}, or a codec's runtime exception, when the
     * bytes are not a valid stream of that codec: callers treat both as a corrupt batch.
     */
    public static InputStream decompressing(CompressionType type, ByteBuffer compressed) throws IOException {
        InputStream source = new ByteBufferInputStream(compressed.duplicate());
        return switch (type) {
            case NONE -> source;
            case GZIP -> new BufferedInputStream(new GZIPInputStream(source, STREAM_BUFFER), STREAM_BUFFER);
            case SNAPPY -> new BufferedInputStream(new SnappyInputStream(source), STREAM_BUFFER);
            case LZ4 -> new BufferedInputStream(new LZ4FrameInputStream(source, true), STREAM_BUFFER);
            case ZSTD -> new BufferedInputStream(new ZstdInputStreamNoFinalizer(source, RecyclingBufferPool.INSTANCE),
                    STREAM_BUFFER);
        };
    }

    private static OutputStream compressing(CompressionType type, OutputStream sink) throws IOException {
        return switch (type) {
            case NONE -> sink;
            case GZIP -> new BufferedOutputStream(new GZIPOutputStream(sink, 8 * 1024), STREAM_BUFFER);
            case SNAPPY -> new SnappyOutputStream(sink);
            case LZ4 -> new LZ4FrameOutputStream(sink, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
                    LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE);
            case ZSTD -> new BufferedOutputStream(new ZstdOutputStreamNoFinalizer(sink, RecyclingBufferPool.INSTANCE,
                    ZSTD_LEVEL), STREAM_BUFFER);
        };
    }

    /** Reads a buffer's bytes from its position to its limit. */
    private static final class ByteBufferInputStream extends InputStream {
        private final ByteBuffer buffer;

        ByteBufferInputStream(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public int read() {
            return buffer.hasRemaining() ? buffer.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            if (!buffer.hasRemaining()) {
                return -1;
            }
            int n = Math.min(length, buffer.remaining());
            buffer.get(into, offset, n);
            return n;
        }

        @Override
        public long skip(long n) {
            int skipped = (int) Math.max(0, Math.min(n, buffer.remaining()));
            buffer.position(buffer.position() + skipped);
            return skipped;
        }

        @Override
        public int available() {
            return buffer.remaining();
        }
    }
}
