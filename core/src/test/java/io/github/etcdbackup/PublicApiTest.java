package io.github.etcdbackup;

import io.github.etcdbackup.client.EtcdBackupClient;

import io.github.etcdbackup.testing.PublicApiCheck;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PublicApiTest {
    @Test
    void noThirdPartyTypeInThePublicApiOfCore() {
        assertThat(PublicApiCheck.violations(EtcdBackupClient.class)).isEmpty();
    }
}
