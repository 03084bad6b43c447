package io.github.etcdbackup.transport.jujucli;

import io.github.etcdbackup.testing.PublicApiCheck;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PublicApiTest {
    @Test
    void noThirdPartyTypeInThePublicApi() {
        assertThat(PublicApiCheck.violations(JujuCliTransport.class)).isEmpty();
    }
}
