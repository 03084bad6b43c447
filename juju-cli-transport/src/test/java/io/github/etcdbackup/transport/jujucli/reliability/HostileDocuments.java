package io.github.etcdbackup.transport.jujucli.reliability;

import java.util.LinkedHashMap;
import java.util.Map;

/** Hand-made hostile documents: bombs, nesting, huge values, tags, JSON oddities, hostile stderr. */
final class HostileDocuments {
    private HostileDocuments() {
    }

    /** Classic "billion laughs": 9 levels of 9 aliases (10^9 leaves if expanded). */
    static String billionLaughs(boolean maps) {
        StringBuilder bomb = new StringBuilder(maps ? "a: &a {x: lol, y: lol}\n" : "a: &a [lol, lol, lol]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            char p = (char) (c - 1);
            bomb.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 9; i++) {
                bomb.append(i == 0 ? "" : ", ").append('*').append(p);
            }
            bomb.append("]\n");
        }
        return bomb.toString();
    }

    static Map<String, String> all() {
        Map<String, String> docs = new LinkedHashMap<>();
        docs.put("billion laughs (lists)", billionLaughs(false));
        docs.put("billion laughs (maps)", billionLaughs(true));
        docs.put("billion laughs under a task", "etcd/0:\n  status: completed\n  results:\n"
                + billionLaughs(false).indent(4));
        docs.put("merge-key bomb", "a: &a {x: 1, y: 2}\nb: &b {<<: [*a, *a, *a, *a]}\nc: &c {<<: [*b, *b, *b, *b]}\n"
                + "etcd/0: {<<: *c, status: completed}\n");
        docs.put("alias as status", "etcd/0:\n  status: &s completed\n  id: *s\n  unit: *s\n");
        docs.put("self-referencing anchor", "a: &a [*a]\n");
        docs.put("recursive key", "&a [*a]: x\n");
        docs.put("undefined alias", "etcd/0:\n  status: *nothing\n");
        docs.put("flow nesting 100k", "[".repeat(100_000) + "]".repeat(100_000));
        docs.put("flow map nesting 100k", "{a: ".repeat(100_000) + "}".repeat(100_000));
        docs.put("json nesting 100k", "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000));
        docs.put("json array nesting 1M", "[".repeat(1_000_000));
        StringBuilder block = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            block.append(" ".repeat(i)).append("k:\n");
        }
        docs.put("block map nesting 1000", block.toString());
        docs.put("block sequence nesting 10k", "- ".repeat(10_000) + "x\n");
        docs.put("nesting 63 (under the limit)", "etcd/0:\n  status: completed\n  results:\n    r: "
                + "{a: ".repeat(58) + "x" + "}".repeat(58) + "\n");
        docs.put("5 MiB stdout scalar", "etcd/0:\n  status: completed\n  results:\n    stdout: \""
                + "member ok ".repeat(512 * 1024) + "\"\n");
        docs.put("5 MiB single token", "etcd/0:\n  status: completed\n  results:\n    stdout: \""
                + "x".repeat(5 * 1024 * 1024) + "\"\n");
        docs.put("token just under the YAML limit", "etcd/0:\n  status: completed\n  results:\n    stdout: "
                + "x".repeat(250 * 1024) + "\n");
        docs.put("5 MiB literal block", "etcd/0:\n  status: completed\n  results:\n    output: |\n"
                + "      etcd member healthy\n".repeat(200_000));
        docs.put("25 MiB scalar (over Jackson's string limit)", "etcd/0:\n  status: completed\n  results:\n"
                + "    stdout: " + "y".repeat(25 * 1024 * 1024) + "\n");
        docs.put("33 Mi code points (over the YAML limit)", "etcd/0:\n  status: completed\n  note: '"
                + "z".repeat(33 * 1024 * 1024) + "'\n");
        docs.put("2 MiB key", "k" .repeat(2 * 1024 * 1024) + ": v\n");
        StringBuilder wide = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            wide.append("unit-etcd-").append(i).append(": {status: completed, id: \"").append(i).append("\"}\n");
        }
        docs.put("20k tasks", wide.toString());
        docs.put("python object tag", "etcd/0: !!python/object/apply:os.system ['touch /tmp/pwned']\n");
        docs.put("python object tag as status", "etcd/0:\n  status: !!python/object/new:os.system [id]\n");
        docs.put("unknown local tag", "etcd/0: !foo\n  status: !bar completed\n  results: !baz {a: !q x}\n");
        docs.put("verbatim tag", "etcd/0:\n  status: !<tag:example.com,2024:status> completed\n");
        docs.put("tag directive", "%TAG !e! tag:example.com,2024:\n---\netcd/0:\n  status: !e!s completed\n");
        docs.put("yaml 1.1 directive", "%YAML 1.1\n---\nstatus: completed\n");
        docs.put("bad binary", "etcd/0:\n  status: completed\n  results:\n    stdout: !!binary '@@@@'\n");
        docs.put("binary status", "etcd/0:\n  status: !!binary Y29tcGxldGVk\n");
        docs.put("set and omap", "etcd/0:\n  status: completed\n  results: !!omap [a: 1, b: 2]\n");
        docs.put("complex key", "? [etcd/0, etcd/1]\n: {status: completed}\n");
        docs.put("null key", "~: {status: completed}\n");
        docs.put("numeric keys", "0: {status: completed}\n1.5: {status: failed}\n");
        docs.put("two documents", "status: completed\n---\nstatus: failed\n");
        docs.put("document end marker only", "...\n");
        docs.put("only a comment", "# nothing\n");
        docs.put("NUL in value", "etcd/0:\n  status: \"completed\u0000\"\n");
        docs.put("raw NUL", "etcd/0:\n  status: completed\u0000\n");
        docs.put("lone surrogate escape", "{\"etcd/0\":{\"status\":\"\\ud800\",\"unit\":\"\\udfff\"}}");
        docs.put("BOM", "\ufeffetcd/0:\n  status: completed\n");
        docs.put("huge unit number key", "etcd/99999999999999999999:\n  status: completed\n"
                + "etcd/0:\n  status: completed\n");
        docs.put("huge unit number value", "a:\n  status: completed\n  unit: etcd/99999999999999999999\n"
                + "b:\n  status: completed\n  unit: etcd/1\n");
        docs.put("huge unit tag", "unit-etcd-99999999999999999999:\n  status: completed\n"
                + "unit-etcd-1:\n  status: completed\n");
        docs.put("huge return code", "etcd/0:\n  status: completed\n  results:\n    return-code: 99999999999999\n");
        docs.put("float return code", "etcd/0:\n  status: completed\n  results:\n    Code: 1e999\n");
        docs.put("map return code", "etcd/0:\n  status: completed\n  results:\n    ReturnCode: {a: 1}\n");
        docs.put("status is a map", "etcd/0:\n  status: {current: completed}\n");
        docs.put("status is a list", "status: [completed]\n");
        docs.put("results is a string", "etcd/0:\n  status: completed\n  results: done\n");
        docs.put("stdout is a map", "etcd/0:\n  status: completed\n  results:\n    Stdout: {a: b}\n");
        docs.put("base64 garbage", "etcd/0:\n  status: completed\n  results:\n    stdout: \"!!!\"\n"
                + "    stdout-encoding: base64\n");
        docs.put("json trailing garbage", "{\"status\":\"completed\"} trailing");
        docs.put("json concatenated", "{\"status\":\"completed\"}{\"status\":\"failed\"}");
        docs.put("json comments", "{/* c */ \"status\": \"completed\" // c\n}");
        docs.put("json single quotes", "{'status': 'completed'}");
        docs.put("json NaN", "{\"status\":\"completed\",\"results\":{\"Code\":NaN}}");
        docs.put("json huge number", "{\"status\":\"completed\",\"results\":{\"Code\":" + "9".repeat(5000) + "}}");
        docs.put("json huge exponent", "{\"status\":\"completed\",\"results\":{\"Code\":1e2147483647}}");
        docs.put("json duplicate keys", "{\"status\":\"completed\",\"status\":\"failed\"}");
        docs.put("json trailing comma", "{\"status\":\"completed\",}");
        docs.put("json top-level array", "[{\"status\":\"completed\"}]");
        docs.put("json string only", "\"status\"");
        docs.put("status with model null", "model: ~\napplications: {}\n");
        docs.put("status with applications list", "model: {name: k8s}\napplications: [etcd]\n");
        docs.put("status with units list", "model: {name: k8s}\napplications:\n  etcd:\n    units: [etcd/0]\n");
        docs.put("status with scalar relations", "model: {name: k8s}\napplications:\n  etcd:\n"
                + "    relations: {cluster: etcd, db: [{related-application: {x: 1}}, ~, [a]]}\n");
        docs.put("status with huge charm-rev", "model: {name: k8s}\napplications:\n  etcd:\n"
                + "    charm-rev: 99999999999999999999\n");
        docs.put("status with float charm-rev", "model: {name: k8s}\napplications:\n  etcd:\n    charm-rev: 1e999\n");
        docs.put("status with negative charm-rev", "model: {name: k8s}\napplications:\n  etcd:\n"
                + "    charm-rev: -5\n");
        docs.put("status with huge unit number", "model: {name: k8s}\napplications:\n  etcd:\n    units:\n"
                + "      etcd/99999999999999999999999: {}\n      etcd/1: {leader: yes}\n");
        docs.put("status with map ports", "model: {name: k8s}\napplications:\n  etcd:\n    units:\n"
                + "      etcd/0: {open-ports: {a: b}, leader: {x: 1}, workload-status: [a]}\n");
        docs.put("version with huge numbers", "9999999.9999999.9999999-ubuntu-amd64\n");
        docs.put("version 6 digits", "999999.999999.999999-ubuntu-amd64\n");
        docs.put("version with NUL", "3.4.2\u0000-genericlinux-amd64\n");
        return docs;
    }

    /** stderr texts that look like Juju's, with hostile numbers and ids. */
    static Map<String, String> stderrs() {
        Map<String, String> docs = new LinkedHashMap<>();
        docs.put("huge return code in failure block", "ERROR the following task failed:\n"
                + " - id \"14\" with return code 99999999999999999999\n");
        docs.put("negative huge return code", "ERROR the following task failed:\n"
                + " - id \"14\" with return code -99999999999\n");
        docs.put("long task id", "Running operation 1 with 1 task\n  - task " + "9".repeat(100_000) + " on unit-etcd-0\n");
        docs.put("many failure lines", ("ERROR the following task failed:\n - id \"1\" with return code 1\n")
                .repeat(100_000));
        docs.put("timeout and failure", "ERROR timed out waiting for results\nERROR the following task failed:\n");
        docs.put("regex stress", " - task ".repeat(50_000) + "\n" + " - id \"".repeat(50_000));
        return docs;
    }
}
