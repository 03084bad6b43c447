package io.github.etcdbackup.transport.jujucli;

import io.github.etcdbackup.transport.jujucli.internal.OpenSshVersion;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code ssh -V} prints, and the scp options each OpenSSH needs to write into a FIFO. */
class OpenSshVersionTest {
    @Test
    void readsTheVersionFromWhatSshVPrints() {
        assertThat(OpenSshVersion.parse("OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15 3 Sep 2024\n"))
                .contains(new OpenSshVersion(9, 2));
        assertThat(OpenSshVersion.parse("OpenSSH_8.9p1 Ubuntu-3ubuntu0.10, OpenSSL 3.0.2 15 Mar 2022"))
                .contains(new OpenSshVersion(8, 9));
        assertThat(OpenSshVersion.parse("OpenSSH_7.4p1, OpenSSL 1.0.2k-fips  26 Jan 2017"))
                .contains(new OpenSshVersion(7, 4));
        assertThat(OpenSshVersion.parse("OpenSSH_10.0p2 Debian-5, OpenSSL 3.5.0 8 Apr 2025"))
                .contains(new OpenSshVersion(10, 0));
        assertThat(OpenSshVersion.parse("OpenSSH_for_Windows_8.1p1, LibreSSL 3.0.2"))
                .contains(new OpenSshVersion(8, 1));
        assertThat(OpenSshVersion.parse("Dropbear SSH client v2022.83")).isEmpty();
        assertThat(OpenSshVersion.parse("")).isEmpty();
        assertThat(OpenSshVersion.parse(null)).isEmpty();
        assertThat(OpenSshVersion.parse("OpenSSH_99999999999.1")).isEmpty();
    }

    @Test
    void legacyProtocolWhereScpAcceptsItAndNoNameCheckWhereItExists() {
        assertThat(options("OpenSSH_10.0p2")).containsExactly("-O", "-T");
        assertThat(options("OpenSSH_9.0p1")).containsExactly("-O", "-T");
        // RHEL 9's 8.7 already speaks SFTP by default; scp accepts -O from 8.7.
        assertThat(options("OpenSSH_8.7p1")).containsExactly("-O", "-T");
        assertThat(options("OpenSSH_8.6p1")).containsExactly("-T");
        assertThat(options("OpenSSH_8.0p1")).containsExactly("-T");
        assertThat(options("OpenSSH_7.9p1")).isEmpty();
        assertThat(OpenSshVersion.scpOptions(Optional.empty())).containsExactly("-O", "-T");
    }

    private static List<String> options(String sshV) {
        return OpenSshVersion.scpOptions(OpenSshVersion.parse(sshV));
    }
}
