package io.github.etcdbackup.internal.archive;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Marks the {@link IOException}s of the streams around a decoder, so that what the decoder itself throws (gzip and
 * tar errors, which are plain {@code IOException}s too) can be told apart from a failing disk.
 */
final class LocalFailures {
    private LocalFailures() {
    }

    /** An I/O failure of the source or the target, carrying the original. */
    static final class Failure extends IOException {
        private static final long serialVersionUID = 1L;

        Failure(IOException original) {
            super(original.getMessage(), original);
        }

        IOException original() {
            return (IOException) getCause();
        }
    }

    /** One I/O call on the source or the target. */
    @FunctionalInterface
    interface LocalCall<T> {
        T call() throws IOException;
    }

    /** Runs {@code call}, its {@link IOException} marked as a local {@link Failure}. */
    static <T> T local(LocalCall<T> call) throws Failure {
        try {
            return call.call();
        } catch (IOException e) {
            throw new Failure(e);
        }
    }

    /** The archive as read from its file or stream. */
    static final class Input extends FilterInputStream {
        Input(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            return local(in::read);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return local(() -> in.read(b, off, len));
        }

        @Override
        public long skip(long n) throws IOException {
            return local(() -> in.skip(n));
        }

        @Override
        public int available() throws IOException {
            return local(in::available);
        }

        @Override
        public void close() throws IOException {
            local(() -> {
                in.close();
                return null;
            });
        }
    }

    /** Where an entry is written. */
    static final class Output extends FilterOutputStream {
        Output(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            local(() -> {
                out.write(b);
                return null;
            });
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            local(() -> {
                out.write(b, off, len);
                return null;
            });
        }

        @Override
        public void flush() throws IOException {
            local(() -> {
                out.flush();
                return null;
            });
        }

        @Override
        public void close() throws IOException {
            local(() -> {
                out.close();
                return null;
            });
        }
    }
}
