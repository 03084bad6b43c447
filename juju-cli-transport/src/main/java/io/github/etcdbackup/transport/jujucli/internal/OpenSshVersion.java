package io.github.etcdbackup.transport.jujucli.internal;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version of the local OpenSSH, which {@code juju scp} runs, and the {@code scp} options that let it write the
 * file into a FIFO.
 *
 * @param major e.g. 9 for {@code OpenSSH_9.2p1}
 * @param minor e.g. 2
 */
public record OpenSshVersion(int major, int minor) {
    private static final Pattern VERSION = Pattern.compile("OpenSSH_(?:for_Windows_)?(\\d{1,4})\\.(\\d{1,4})");

    /**
     * Reads what {@code ssh -V} prints (on stderr), e.g. {@code OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.x} or
     * {@code OpenSSH_for_Windows_8.1p1, LibreSSL 3.0.2}; empty for anything else.
     */
    public static Optional<OpenSshVersion> parse(String sshV) {
        Matcher m = VERSION.matcher(sshV == null ? "" : sshV);
        return m.find() ? Optional.of(new OpenSshVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))))
                : Optional.empty();
    }

    /** Whether this is {@code major.minor} or later. */
    public boolean atLeast(int wantedMajor, int wantedMinor) {
        return major > wantedMajor || major == wantedMajor && minor >= wantedMinor;
    }

    /**
     * The options for {@code scp} to write a remote file into a FIFO, read from OpenSSH's {@code scp.c}:
     * <ul>
     *   <li>{@code -O} (legacy SCP protocol) from 8.7, where scp accepts it: the SFTP client, upstream's default since
     *       9.0 and RHEL 9's already in 8.7, seeks before every write ({@code do_download} in sftp-client.c), which a
     *       FIFO refuses ("Illegal seek");</li>
     *   <li>{@code -T} from 8.0: the legacy protocol hands the remote path to the unit's shell, so the transport
     *       quotes it, and since 8.0 scp compares the name the unit sends with the last component of the path as
     *       typed, quotes included, and refuses the file. The check guards a target directory against a hostile
     *       server choosing names; our target is one FIFO, not a directory, so the name is never used.</li>
     * </ul>
     * Without a known version (no {@code ssh} on the PATH, another ssh) both, as for any current OpenSSH: an older
     * scp then names the option it does not know in its error.
     */
    public static List<String> scpOptions(Optional<OpenSshVersion> version) {
        if (version.isEmpty() || version.get().atLeast(8, 7)) {
            return List.of("-O", "-T");
        }
        return version.get().atLeast(8, 0) ? List.of("-T") : List.of();
    }
}
