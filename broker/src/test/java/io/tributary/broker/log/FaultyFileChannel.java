package io.tributary.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file channel that fails the way a full or failing disk does, once its {@link Faults} say so: a
 * write stores part of its bytes and then fails with ENOSPC's message; an fsync fails with EIO's.
 * Everything else goes to the real file.
 */
final class FaultyFileChannel extends FileChannel {
    /** Switches shared by every channel of one test, and what the channels saw. */
    static final class Faults {
        volatile boolean failWrites;
        volatile boolean failForce;
        final AtomicInteger forceCalls = new AtomicInteger();
    }

    private final FileChannel delegate;
    private final Faults faults;

    FaultyFileChannel(FileChannel delegate, Faults faults) {
        this.delegate = delegate;
        this.faults = faults;
    }

    private int writeOrFail(ByteBuffer src, long position) throws IOException {
        if (!faults.failWrites) {
            return position < 0 ? delegate.write(src) : delegate.write(src, position);
        }
        ByteBuffer half = src.duplicate();
        half.limit(half.position() + half.remaining() / 2);
        if (position < 0) {
            delegate.write(half);
        } else {
            delegate.write(half, position);
        }
        throw new IOException("No space left on device");
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return writeOrFail(src, -1);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        return writeOrFail(src, position);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long written = 0;
        for (int i = offset; i < offset + length; i++) {
            written += writeOrFail(srcs[i], -1);
        }
        return written;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        faults.forceCalls.incrementAndGet();
        if (faults.failForce) {
            throw new IOException("Input/output error");
        }
        delegate.force(metaData);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return delegate.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public long position() throws IOException {
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        delegate.truncate(size);
        return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new UnsupportedOperationException("not used by the journal");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        delegate.close();
    }
}
