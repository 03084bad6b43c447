package io.github.etcdbackup.testkit;

import io.github.etcdbackup.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The conformance test's shape functions do tell different layouts apart. */
class OutputShapeTest {
    @Test
    void layoutsOfTheTwoJujuVersionsDiffer() {
        assertThat(OutputShape.yamlLayout(Fixtures.text("2.9-run-action-snapshot-v3.yaml")))
                .isNotEqualTo(OutputShape.yamlLayout(Fixtures.text("3.x-run-snapshot-v3.yaml")))
                .contains("    copy:", "      cmd:plain", "fold@8", "      version:|-", "  id:\"quoted\"");
        assertThat(OutputShape.yamlTree(Fixtures.text("status-2.9-etcd-3-units.yaml")))
                .isNotEqualTo(OutputShape.yamlTree(Fixtures.text("status-3.x-etcd-3-units.yaml")));
    }

    @Test
    void literalBodiesAndValuesDoNotMatter() {
        assertThat(OutputShape.yamlLayout("a:\n  out: |\n    x\n    y\n  id: \"1\"\n"))
                .isEqualTo(OutputShape.yamlLayout("a:\n  out: |\n    z\n  id: \"22\"\n"))
                .isNotEqualTo(OutputShape.yamlLayout("a:\n  out: |-\n    z\n  id: \"22\"\n"));
    }
}
