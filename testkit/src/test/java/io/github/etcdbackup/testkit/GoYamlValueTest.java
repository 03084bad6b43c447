package io.github.etcdbackup.testkit;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Action argument values read the way Juju's yaml.v2 reads them, and the arguments' keys as run.go checks them. */
class GoYamlValueTest {
    @Test
    void plainWordsAndPathsStayStrings() {
        assertThat(GoYamlValue.read("/home/ubuntu/etcd-snapshots")).isEqualTo("/home/ubuntu/etcd-snapshots");
        assertThat(GoYamlValue.read("v3")).isEqualTo("v3");
        // yaml.v2 resolves a timestamp but hands an interface{} target the string (decode.go).
        assertThat(GoYamlValue.read("2024-01-01")).isEqualTo("2024-01-01");
        assertThat(GoYamlValue.read("1:20")).isEqualTo("1:20");
    }

    @Test
    void aSpaceThenHashStartsAComment() {
        assertThat(GoYamlValue.read("/srv/backups #2")).isEqualTo("/srv/backups");
        assertThat(GoYamlValue.read("/srv/backups#2")).isEqualTo("/srv/backups#2");
        // A document that is only a comment leaves run.go's variable as the raw string.
        assertThat(GoYamlValue.read("# nothing")).isEqualTo("# nothing");
        assertThat(GoYamlValue.read("")).isEqualTo("");
    }

    @Test
    void yaml11WordsAreBooleansAndNull() {
        for (String yes : List.of("y", "Y", "yes", "on", "ON", "true", "True")) {
            assertThat(GoYamlValue.read(yes)).as(yes).isEqualTo(true);
        }
        for (String no : List.of("n", "no", "No", "off", "false", "FALSE")) {
            assertThat(GoYamlValue.read(no)).as(no).isEqualTo(false);
        }
        assertThat(GoYamlValue.read("~")).isNull();
        assertThat(GoYamlValue.read("null")).isNull();
        assertThat(GoYamlValue.read("'yes'")).isEqualTo("yes");
        assertThat(GoYamlValue.read("\"no\"")).isEqualTo("no");
    }

    @Test
    void numbersFollowGoParseIntWithBaseZero() {
        assertThat(GoYamlValue.read("1000")).isEqualTo(1000L);
        assertThat(GoYamlValue.read("1_000")).isEqualTo(1000L);
        assertThat(GoYamlValue.read("012")).isEqualTo(10L);
        assertThat(GoYamlValue.read("0o17")).isEqualTo(15L);
        assertThat(GoYamlValue.read("0x1f")).isEqualTo(31L);
        assertThat(GoYamlValue.read("-0b101")).isEqualTo(-5L);
        assertThat(GoYamlValue.read("08")).isEqualTo(8.0);
        assertThat(GoYamlValue.read("1.5e3")).isEqualTo(1500.0);
        assertThat(GoYamlValue.read(".5")).isEqualTo(0.5);
        assertThat(GoYamlValue.read(".5f")).isEqualTo(".5f");
        assertThat(GoYamlValue.read("12345678901234567890")).isEqualTo(new BigInteger("12345678901234567890"));
        assertThat(GoYamlValue.read("-.inf")).isEqualTo(Double.NEGATIVE_INFINITY);
    }

    @Test
    void colonSpaceMakesAMapAndBracketsAList() {
        assertThat(GoYamlValue.read("a: b")).isEqualTo(Map.of("a", "b"));
        assertThat(GoYamlValue.read("[v2, 3]")).isEqualTo(List.of("v2", 3L));
        assertThat(GoYamlValue.read("{x: on}")).isEqualTo(Map.of("x", true));
    }

    @Test
    void whatIsNotYamlIsRefused() {
        assertThatThrownBy(() -> GoYamlValue.read("@daily")).isInstanceOf(GoYamlValue.InvalidYaml.class);
        assertThatThrownBy(() -> GoYamlValue.read("'open")).isInstanceOf(GoYamlValue.InvalidYaml.class);
        assertThatThrownBy(() -> GoYamlValue.read("*undefined")).isInstanceOf(GoYamlValue.InvalidYaml.class);
    }

    @Test
    void dottedKeysNestAndMalformedKeysAreUsageErrors() {
        Map<String, Object> params = ActionArguments.parse(
                List.of("file.kind=xz", "file.quality=high", "out=out.tar.bz2"), false);
        assertThat(params).isEqualTo(Map.of("file", Map.of("kind", "xz", "quality", "high"), "out", "out.tar.bz2"));
        assertThat(ActionArguments.parse(List.of("time=1000"), true)).isEqualTo(Map.of("time", "1000"));
        assertThatThrownBy(() -> ActionArguments.parse(List.of("Target=/x"), false))
                .isInstanceOf(CliArgs.UsageException.class).hasMessageContaining("lowercase alphanumeric");
        assertThatThrownBy(() -> ActionArguments.parse(List.of("target"), false))
                .isInstanceOf(CliArgs.UsageException.class).hasMessageContaining("key.key.key...=value");
    }

    @Test
    void theSchemaNamesTheFieldAndBothTypesAndRefusesUnknownParameters() {
        ActionSpec snapshot = new ActionSpec(Map.of("target", "string", "keys-version", "string"));
        assertThat(snapshot.validationError(Map.of("target", "/srv", "keys-version", "v3"))).isEmpty();
        assertThat(snapshot.validationError(Map.of("keys-version", true))).hasValue(
                "validation failed: keys-version: Invalid type. Expected: string, given: boolean");
        assertThat(snapshot.validationError(Map.of("force", "yes"))).hasValue(
                "validation failed: (root): Additional property force is not allowed");
    }
}
