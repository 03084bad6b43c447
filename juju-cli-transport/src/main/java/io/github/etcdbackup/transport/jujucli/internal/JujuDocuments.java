package io.github.etcdbackup.transport.jujucli.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.github.etcdbackup.exception.OutputParseException;
import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;

/**
 * Reads what {@code juju ... --format yaml|json} printed into a Jackson tree. Lenient about content (any key order,
 * unknown keys, CRLF, folded lines, literal blocks) and strict about size: the output comes from a process and is
 * treated as hostile, so alias bombs, deep nesting and huge documents end as {@link OutputParseException}, never as
 * an {@code OutOfMemoryError} or a {@code StackOverflowError}.
 */
public final class JujuDocuments {
    private static final int MAX_ALIASES = 20;
    private static final int MAX_DEPTH = 64;
    private static final int MAX_CODE_POINTS = 32 * 1024 * 1024;
    /**
     * Longest run of non-blank characters read as YAML. SnakeYAML's reader copies its look-ahead window for every 1 Ki
     * characters of one token, so a token of n characters costs O(n²): 4 Mi characters take seconds, 32 Mi minutes.
     * Juju prints nothing near this long in YAML (JSON, read by Jackson's own parser, is not limited).
     */
    static final int MAX_YAML_TOKEN = 256 * 1024;

    private static final ObjectMapper YAML = new ObjectMapper(yamlFactory());
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build());

    private JujuDocuments() {
    }

    private static YAMLFactory yamlFactory() {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setCodePointLimit(MAX_CODE_POINTS);
        options.setAllowRecursiveKeys(false);
        options.setAllowDuplicateKeys(false);
        return YAMLFactory.builder()
                .loaderOptions(options)
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                .build();
    }

    /**
     * Parses one YAML or JSON document (Juju's {@code --format json} is one compact line; YAML 1.1 does not read every
     * JSON escape the same way, so a document that starts with an object brace is tried as JSON first).
     *
     * @param what what the text should be, for the message
     * @throws OutputParseException if it is neither, or empty
     */
    public static JsonNode parse(String text, String what) {
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            throw new OutputParseException("juju printed nothing where " + what + " was expected", text, null);
        }
        if (trimmed.startsWith("{")) {
            try {
                return checked(JSON.readTree(trimmed), text, what);
            } catch (IOException | RuntimeException notJson) {
                // Juju's YAML flow mappings ({} and the like) also start with a brace: read them as YAML below.
            }
        }
        if (longestToken(text) > MAX_YAML_TOKEN) {
            throw new OutputParseException("juju's output is not valid JSON and holds a token longer than "
                    + MAX_YAML_TOKEN + " characters; refusing to read it as YAML " + what, text, null);
        }
        try {
            return checked(YAML.readTree(text), text, what);
        } catch (IOException | RuntimeException | StackOverflowError e) {
            throw new OutputParseException("juju's output is not valid YAML or JSON " + what + ": " + e.getMessage(),
                    text, e instanceof StackOverflowError ? null : e);
        }
    }

    private static int longestToken(String text) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            run = c == ' ' || c == '\n' || c == '\r' || c == '\t' ? 0 : run + 1;
            longest = Math.max(longest, run);
        }
        return longest;
    }

    private static JsonNode checked(JsonNode node, String text, String what) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            throw new OutputParseException("juju printed no document where " + what + " was expected", text, null);
        }
        return node;
    }
}
