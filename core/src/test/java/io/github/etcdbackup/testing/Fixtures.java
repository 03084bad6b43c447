package io.github.etcdbackup.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The Juju CLI fixtures (a byte-for-byte copy of {@code shared/fixtures/juju/}, with their README and
 * {@code expected.json}), shipped in the core test-jar so that every module's tests read the same files.
 */
public final class Fixtures {
    private static final String ROOT = "/io/github/etcdbackup/fixtures/juju/";

    private Fixtures() {
    }

    /** The exact bytes of a fixture file. */
    public static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fixture file as UTF-8 text. */
    public static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    /** {@code expected.json}'s {@code files} object. */
    public static JsonNode expectedFiles() {
        try {
            return new ObjectMapper().readTree(bytes("expected.json")).get("files");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The names of the fixtures whose expectation has this {@code kind}. */
    public static List<String> namesOfKind(String kind) {
        List<String> names = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = expectedFiles().fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> entry = fields.next();
            if (kind.equals(entry.getValue().path("kind").asText())) {
                names.add(entry.getKey());
            }
        }
        return names;
    }
}
