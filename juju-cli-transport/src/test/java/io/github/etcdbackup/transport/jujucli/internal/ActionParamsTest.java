package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.exception.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Values Juju would read (as YAML) differently from how they were written never reach it. */
class ActionParamsTest {
    @ParameterizedTest
    @ValueSource(strings = {"v3", "v2", "/home/ubuntu/etcd-snapshots", "/srv/backups/etcd_2024", "1.29/stable",
            "false", "true", "0", "42", "-7", "a=b", "x-y", "-x", "user@host"})
    void valuesJujuReadsAsWrittenPass(String value) {
        assertThat(ActionParams.checked("target", value)).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/home/ubuntu/my backups", "/srv/a#b", "/srv/a #b", "a: b", "{a: b}", "[1]", "yes", "No",
            "on", "OFF", "y", "null", "~", "", "012", "1e3", "1.5", "0x1F", "2024-01-01", "'quoted'", "\"quoted\"",
            "*", "/srv/*", "&anchor", "!tag", "%x", "|", ">", "a:b", "-", ".inf", "$HOME", "a`b`", "a;b"})
    void valuesJujuOrTheCharmsShellWouldMisreadAreRefused(String value) {
        assertThatThrownBy(() -> ActionParams.checked("target", value))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("Juju reads action parameters as YAML");
    }

    @Test
    void theRefusalNamesTheParameter() {
        assertThatThrownBy(() -> ActionParams.checked("keys-version", "v3 # latest"))
                .hasMessageContaining("keys-version");
    }
}
