package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.internal.unit.UnitArchives;
import io.github.etcdbackup.internal.common.Shell;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.FileRanges;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ranges of one file for one download, read by {@link RangeSession}s: a range goes to a session that waits for
 * one, or to a new one ({@code juju ssh [-m MODEL] --pty=false UNIT -- sudo sh -c SCRIPT}), so that a download pays
 * about one {@code juju ssh} per stream instead of one per range. {@link #close()} ends them all. Thread-safe.
 */
public final class RangeSessions implements FileRanges {
    private final JujuCli cli;
    private final String unit;
    private final String remotePath;
    private final Path spoolDirectory;
    private final long retireAfterBytes;
    private final List<RangeSession> sessions = new ArrayList<>();
    /** The file's size as the first session found it: the others must find the same. */
    private final AtomicLong fileSize = new AtomicLong(-1);
    private boolean closed;

    /**
     * @param retireAfterBytes how much a session reads before it takes no more ranges (its spool file is freed
     *                         once its ranges are read)
     */
    public RangeSessions(JujuCli cli, String unit, String remotePath, Path spoolDirectory, long retireAfterBytes) {
        this.cli = cli;
        this.unit = unit;
        this.remotePath = remotePath;
        this.spoolDirectory = spoolDirectory;
        this.retireAfterBytes = retireAfterBytes;
    }

    @Override
    public InputStream open(long offset, long length, Deadline deadline) {
        if (offset < 0 || length < 0) {
            throw new InvalidInputException(offset < 0 ? "offset" : "length", Long.toString(Math.min(offset, length)),
                    "must be >= 0");
        }
        String description = unit + ":" + remotePath;
        deadline.check("reading " + description);
        synchronized (this) {
            requireOpen(description);
            sessions.removeIf(RangeSession::finished);
            for (RangeSession session : sessions) {
                SessionRange range = session.tryRead(offset, length, deadline);
                if (range != null) {
                    return range;
                }
            }
        }
        List<String> argv = cli.argv("ssh", "--pty=false", unit, "--", "sudo", "sh", "-c",
                Shell.quoteAlways(UnitArchives.readRangesScript(remotePath)));
        RangeSession started = RangeSession.start(cli.runner(), argv, spoolDirectory, retireAfterBytes, fileSize,
                description);
        synchronized (this) {
            if (closed) {
                started.close();
                requireOpen(description);
            }
            sessions.add(started);
            SessionRange range = started.tryRead(offset, length, deadline);
            if (range == null) {
                throw new TransportException(ProcessRunner.TRANSPORT, started.whyNoRange(), null);
            }
            return range;
        }
    }

    @Override
    public void close() {
        List<RangeSession> toEnd;
        synchronized (this) {
            closed = true;
            toEnd = List.copyOf(sessions);
            sessions.clear();
        }
        toEnd.forEach(RangeSession::close);
    }

    private void requireOpen(String description) {
        if (closed) {
            throw new TransportException(ProcessRunner.TRANSPORT, "The ranges of " + description + " were closed",
                    null);
        }
    }
}
