package io.github.etcdbackup.cli;

import io.github.etcdbackup.BackupEvent;
import io.github.etcdbackup.ProgressListener;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress line for a person at a terminal, redrawn in place on stderr; nothing at all when the output is not a
 * terminal (cron, a pipe, a CronJob's log) or is JSON, where it would only be noise.
 */
final class TerminalProgress implements ProgressListener {
    private final PrintWriter err;

    private TerminalProgress(PrintWriter err) {
        this.err = err;
    }

    /** The listener for this run: a progress line on a terminal, otherwise nothing. */
    static ProgressListener forRun(PrintWriter err, boolean json) {
        return System.console() != null && !json ? new TerminalProgress(err) : ProgressListener.noop();
    }

    @Override
    public void onEvent(BackupEvent event) {
        if (event instanceof BackupEvent.BytesTransferred bytes) {
            String total = bytes.estimatedTotal().isPresent()
                    ? String.format(Locale.ROOT, " of ~%.1f MiB", bytes.estimatedTotal().getAsLong() / 1048576.0)
                    : "";
            err.printf(Locale.ROOT, "\r%s: %.1f MiB%s   ", bytes.operation(), bytes.bytes() / 1048576.0, total);
            err.flush();
        } else if (event instanceof BackupEvent.Completed || event instanceof BackupEvent.Failed) {
            err.println();
            err.flush();
        }
    }
}
