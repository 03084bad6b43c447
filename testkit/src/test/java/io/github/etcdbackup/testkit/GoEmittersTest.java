package io.github.etcdbackup.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.github.etcdbackup.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The emitters reproduce every YAML and JSON fixture byte for byte when fed the fixture's own tree (parsed with
 * Jackson, which keeps key order): folding of {@code copy.cmd}, literal blocks, quoting, sequence indentation.
 */
class GoEmittersTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {
            "2.9-run-action-health-legacy-result-map.yaml", "2.9-run-action-health.yaml",
            "2.9-run-action-restore-not-leader.yaml", "2.9-run-action-restore.yaml",
            "2.9-run-action-snapshot-crashed.yaml", "2.9-run-action-snapshot-v2.yaml",
            "2.9-run-action-snapshot-v3.yaml", "2.9-show-action-output-snapshot-v3.yaml",
            "3.x-run-health.yaml", "3.x-run-restore-not-leader.yaml", "3.x-run-restore.yaml",
            "3.x-run-snapshot-crashed.yaml", "3.x-run-snapshot-v3.yaml", "3.x-show-task-snapshot-v3.yaml",
            "status-2.9-etcd-3-units.yaml", "status-3.x-etcd-1-unit.yaml", "status-3.x-etcd-3-units.yaml"})
    void yamlFixturesAreReproducedByteForByte(String fixture) throws Exception {
        String text = Fixtures.text(fixture);
        Object tree = YAML.readValue(text, LinkedHashMap.class);
        assertThat(GoYaml.emit(tree)).isEqualTo(text);
    }

    @Test
    void jsonFixtureIsReproducedByteForByte() throws Exception {
        String text = Fixtures.text("3.x-run-snapshot-v3.json");
        Object tree = JSON.readValue(text, LinkedHashMap.class);
        assertThat(GoJson.emit(tree) + "\n").isEqualTo(text);
    }

    @Test
    void goMapsAreSortedLikeYamlV2AndEncodingJson() {
        GoMap map = new GoMap();
        for (String key : List.of("etcd/10", "stdout", "etcd/2", "Stderr", "copy", "UnitId", "id", "")) {
            map.put(key, "x");
        }
        assertThat(GoYaml.emit(map)).isEqualTo(
                "\"\": x\nStderr: x\nUnitId: x\ncopy: x\netcd/2: x\netcd/10: x\nid: x\nstdout: x\n");
        assertThat(GoJson.emit(map)).isEqualTo(
                "{\"\":\"x\",\"Stderr\":\"x\",\"UnitId\":\"x\",\"copy\":\"x\",\"etcd/10\":\"x\",\"etcd/2\":\"x\","
                        + "\"id\":\"x\",\"stdout\":\"x\"}");
    }

    @Test
    void scalarsAreQuotedWhereYamlV2QuotesThem() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("id", "14");
        map.put("channel", "22.04");
        map.put("bool", "on");
        map.put("date", "2024-03-12");
        map.put("empty", "");
        map.put("colon", "a: b");
        map.put("star", "*x");
        map.put("tab", "a\tb");
        map.put("quote", "it's");
        map.put("trailing", "x ");
        map.put("code", 0);
        map.put("html", "<a&b>");
        assertThat(GoYaml.emit(map)).isEqualTo("""
                id: "14"
                channel: "22.04"
                bool: "on"
                date: "2024-03-12"
                empty: ""
                colon: 'a: b'
                star: '*x'
                tab: "a\\tb"
                quote: it's
                trailing: 'x '
                code: 0
                html: <a&b>
                """);
        assertThat(GoJson.emit(Map.of("html", "<a&b>\n"))).isEqualTo("{\"html\":\"\\u003ca\\u0026b\\u003e\\n\"}");
    }

    @Test
    void literalBlocksCarryTheirChompingHint() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("kept", "a\nb\n");
        map.put("stripped", "a\nb");
        map.put("keep", "a\n\n");
        List<Object> list = new ArrayList<>(List.of("x"));
        map.put("list", list);
        assertThat(GoYaml.emit(map))
                .isEqualTo("kept: |\n  a\n  b\nstripped: |-\n  a\n  b\nkeep: |+\n  a\n\nlist:\n- x\n");
    }
}
