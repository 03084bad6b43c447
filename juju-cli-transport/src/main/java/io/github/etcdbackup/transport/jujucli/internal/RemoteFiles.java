package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.internal.common.Shell;
import io.github.etcdbackup.internal.unit.UnitArchives;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.FileRanges;
import io.github.etcdbackup.transport.jujucli.FileTransfer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens remote files the way the transport was built for ({@link FileTransfer}): {@code juju ssh ... sudo cat},
 * {@code juju scp} through a FIFO, or the first with the second as its fallback. Unit and path are validated by the
 * caller. Thread-safe.
 */
public final class RemoteFiles {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteFiles.class);
    private final JujuCli cli;
    private final FileTransfer transfer;
    private final ScpDownload scp;
    private final Path spoolDirectory;
    /** Units where {@code sudo -n true} ran. */
    private final Set<String> sudoRuns = ConcurrentHashMap.newKeySet();

    /**
     * @param cli            the command vocabulary and runner
     * @param transfer       how files are streamed
     * @param spoolDirectory where ranges wait for the reader ({@link SpooledRangeStream})
     */
    public RemoteFiles(JujuCli cli, FileTransfer transfer, Path spoolDirectory) {
        this.cli = cli;
        this.transfer = transfer;
        this.spoolDirectory = spoolDirectory;
        this.scp = new ScpDownload(cli);
    }

    /** The file from {@code offset}; see {@link FileTransfer} for each way. */
    public InputStream open(String unit, String remotePath, long offset, Deadline deadline) {
        return switch (transfer) {
            case SSH_CAT -> sshCat(unit, remotePath, offset, deadline);
            case SCP -> scp.open(unit, remotePath, offset, deadline);
            case AUTO -> new ScpFallbackStream(sshCat(unit, remotePath, offset, deadline),
                    () -> scp.open(unit, remotePath, offset, deadline), unit + ":" + remotePath);
        };
    }

    /**
     * {@code length} bytes of the file from {@code offset}: {@code juju ssh ... sudo} and the core's
     * {@link UnitArchives#readRangeScript} ({@code dd}), whose words the unit's shell splits as it does
     * {@code sudo cat 'PATH'}'s; written by the process into a file of the spool directory.
     */
    public InputStream openRange(String unit, String remotePath, long offset, long length, Deadline deadline) {
        List<String> argv = cli.argv("ssh", "--pty=false", unit, "--", "sudo",
                UnitArchives.readRangeScript(remotePath, offset, length));
        return SpooledRangeStream.start(cli.runner(), argv, length, spoolDirectory, deadline, unit + ":" + remotePath
                + " bytes " + offset + " to " + (offset + length));
    }

    /**
     * The ranges of one file for one download, read by {@code juju ssh} sessions ({@link RangeSessions}) that each
     * take range after range; a session reads up to {@code sessionBytes} before it makes way for a new one.
     */
    public FileRanges fileRanges(String unit, String remotePath, long sessionBytes) {
        return new RangeSessions(cli, unit, remotePath, spoolDirectory, sessionBytes);
    }

    /**
     * Whether {@code juju ssh [-m MODEL] --pty=false UNIT -- sudo -n true} succeeds: the unit runs sudo without a
     * password (and ssh reaches it). A success is remembered for the unit; a failure, refusal or not, is asked again
     * next time, as it may pass.
     */
    public boolean sudoRuns(String unit, Deadline deadline) {
        if (sudoRuns.contains(unit)) {
            return true;
        }
        CommandResult result = cli.runner().run(cli.argv("ssh", "--pty=false", unit, "--", "sudo", "-n", "true"),
                deadline, "sudo check on " + unit);
        if (result.exitCode() != 0) {
            LOG.info("sudo does not run on {} ({}): its files are read as one stream", unit,
                    result.stderr().strip());
            return false;
        }
        sudoRuns.add(unit);
        return true;
    }

    /**
     * {@code juju ssh [-m MODEL] --pty=false UNIT -- sudo cat 'PATH'} (or {@code sudo tail -c +N 'PATH'} from an
     * offset). The path is single-quoted because the remote side runs the words through a shell.
     */
    private InputStream sshCat(String unit, String remotePath, long offset, Deadline deadline) {
        List<String> argv = cli.argv("ssh", "--pty=false", unit, "--", "sudo");
        if (offset == 0) {
            argv.add("cat");
        } else {
            argv.addAll(List.of("tail", "-c", "+" + (offset + 1)));
        }
        argv.add(Shell.quoteAlways(remotePath));
        return RemoteFileStream.start(cli.runner(), argv, deadline, unit + ":" + remotePath);
    }
}
