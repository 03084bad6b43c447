package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.internal.spool.SpoolFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code juju} process whose stdout is a new file of the spool directory, with this JVM's channel on that file: a
 * range's bytes go straight into a file, not a pipe ({@link SpooledRangeStream} says why). The file comes from
 * {@link SpoolFiles} (a new owner-only directory; a spool directory others could swap it in is refused), and its name
 * is removed as soon as the child holds it: nothing is left on disk whatever becomes of the JVM, and the space is freed
 * when the channel is closed and the process ended.
 */
record SpooledOutput(ProcessTree tree, FileChannel file) {
    /**
     * Starts {@code juju ARGV...}, tracked by {@code runner}, with its stdout in a new file under
     * {@code spoolDirectory}; its stdin stays open for the caller when {@code keepInput}.
     *
     * @throws io.github.etcdbackup.exception.LocalStorageException if the spool directory cannot take the file, or
     *                                                               others could swap it
     * @throws io.github.etcdbackup.exception.TransportException if the process cannot be started
     */
    static SpooledOutput start(ProcessRunner runner, List<String> argv, boolean keepInput, Path spoolDirectory,
                               String description) {
        SpoolFiles.Created spool = SpoolFiles.create(spoolDirectory, description);
        FileChannel file = spool.channel();
        try {
            // appendTo, not to: the JDK opens the name again for the child, and O_APPEND never truncates.
            ProcessBuilder.Redirect stdout = ProcessBuilder.Redirect.appendTo(spool.file().toFile());
            ProcessTree tree = keepInput ? runner.startTrackedWithInput(argv, stdout, description)
                    : runner.startTracked(argv, stdout, description);
            SpooledOutput started = new SpooledOutput(tree, file);
            file = null;
            return started;
        } finally {
            // Once the child holds the file (or failed to start) its name is of no more use to anyone.
            closeQuietly(file);
            SpoolFiles.discard(spool.file());
        }
    }

    /** Closes a channel only ever read through. */
    static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing was written through this channel: closing it cannot lose anything.
        }
    }
}
