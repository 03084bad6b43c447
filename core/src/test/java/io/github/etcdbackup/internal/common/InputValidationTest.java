package io.github.etcdbackup.internal.common;

import io.github.etcdbackup.exception.InvalidInputException;

import io.github.etcdbackup.spi.Deadline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InputValidationTest {
    @ParameterizedTest
    @ValueSource(strings = {"etcd/0", "etcd/10", "new-etcd/3", "kubernetes-control-plane/2", "etcd2/1", "a-b2c/0"})
    void acceptsJujuUnitNames(String unit) {
        assertThat(InputValidation.unit(unit)).isEqualTo(unit);
        assertThat(InputValidation.unitOrLeader(unit)).isEqualTo(unit);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "etcd", "etcd/", "/0", "etcd/01", "etcd/-1", "Etcd/0", "etcd/0; rm -rf /",
            "etcd/0\n", "etcd/0\u0000", "-etcd/0", "etcd-/0", "etcd-1/0", "etcd/0 ", " etcd/0", "../etcd/0",
            "etcd/$(id)", "etcd/`id`", "etcd/leader/0", "etcd/1234567890"})
    void refusesAnythingElseAsAUnit(String unit) {
        assertThatThrownBy(() -> InputValidation.unitOrLeader(unit))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("unit")
                .satisfies(e -> assertThat(((InvalidInputException) e).value()).isEqualTo(unit));
    }

    @Test
    void leaderOnlyWhereAllowed() {
        assertThat(InputValidation.unitOrLeader("etcd/leader")).isEqualTo("etcd/leader");
        assertThatThrownBy(() -> InputValidation.unit("etcd/leader")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void nullIsRefusedWithATypedError() {
        assertThatThrownBy(() -> InputValidation.unit(null)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> InputValidation.remotePath(null)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> InputValidation.fileName(null)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/home/ubuntu/etcd-snapshots", "/home/ubuntu/etcd-snapshots/etcd-snapshot-2024.tar.gz",
            "/tmp/a b/c", "/srv/sauvegardes/é", "/x"})
    void acceptsAbsoluteNormalisedPaths(String path) {
        assertThat(InputValidation.remotePath(path)).isEqualTo(path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "relative/path", "./x", "/a/../b", "/a/./b", "/a//b", "/a/b/", "/a\nb",
            "/a\u0000b", "/a\rb", "/a\tb", "~/x", "-rf"})
    void refusesHostilePaths(String path) {
        assertThatThrownBy(() -> InputValidation.remotePath(path)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", ".", ".hidden", "-rf", "a/b", "a\nb", "a b", "a;b", "", "a\u0000"})
    void refusesHostileArchiveNames(String name) {
        assertThatThrownBy(() -> InputValidation.fileName(name)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void sha256IsNormalisedToLowerCaseAndMustBe64Hex() {
        String upper = "CCFBB6B660E9A44C9457A74FBEFE58D2A6C9B67BBEE7643C79183CEF83BFDCDB";
        assertThat(InputValidation.sha256(upper)).isEqualTo(upper.toLowerCase());
        assertThatThrownBy(() -> InputValidation.sha256(upper.substring(1))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> InputValidation.sha256(upper.replace('C', 'g'))).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void theMessageEscapesControlCharacters() {
        assertThatThrownBy(() -> InputValidation.unit("etcd/0\nrm -rf /"))
                .hasMessageContaining("etcd/0\\u000arm -rf /");
    }

    @Test
    void applicationNamesFollowJujusGrammar() {
        assertThat(InputValidation.application("new-etcd")).isEqualTo("new-etcd");
        assertThatThrownBy(() -> InputValidation.application("new-1")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> InputValidation.application("-x")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aDurationMustBeLongerThanZeroAndTheErrorNamesTheFieldAndTheValue() {
        assertThat(InputValidation.positive("timeout", Duration.ofNanos(1))).isEqualTo(Duration.ofNanos(1));
        assertThatThrownBy(() -> InputValidation.positive("connect timeout", Duration.ZERO))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("connect timeout").hasMessageContaining("PT0S").hasMessageContaining("positive");
        assertThatThrownBy(() -> InputValidation.positive("wait", Duration.ofSeconds(-5)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("PT-5S")
                .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("wait"));
        assertThatThrownBy(() -> InputValidation.positive("wait", null)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aDeadlineRefusesATimeoutThatIsNotPositiveWithTheLibrarysOwnError() {
        assertThatThrownBy(() -> Deadline.after(Duration.ZERO)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("timeout").hasMessageContaining("PT0S");
        assertThatThrownBy(() -> Deadline.after(Duration.ofMillis(-1))).isInstanceOf(InvalidInputException.class);
        assertThat(Deadline.after(Duration.ofDays(365_000_000L * 100)).expired()).isFalse();
    }
}
