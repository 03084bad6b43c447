package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.testing.PublicApiCheck;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** No sshj (or other third-party) type in any public signature of the exported package. */
class PublicApiTest {
    @Test
    void exportedSignaturesUseOnlyJdkAndEtcdBackupTypes() {
        assertThat(PublicApiCheck.violations(SshTransport.class)).isEmpty();
    }
}
