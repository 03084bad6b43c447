package io.github.etcdbackup.transport.jujucli.reliability;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.github.etcdbackup.testing.Fixtures;
import io.github.etcdbackup.testkit.ReliabilitySeeds;
import io.github.etcdbackup.transport.jujucli.ActionResult;
import io.github.etcdbackup.transport.jujucli.internal.ActionOutputParser;
import io.github.etcdbackup.transport.jujucli.internal.StatusParser;
import io.github.etcdbackup.transport.jujucli.reliability.Mutator.Mutant;
import io.github.etcdbackup.transport.jujucli.reliability.ParseProperty.Outcome;
import io.github.etcdbackup.transport.jujucli.reliability.ParseProperty.Parser;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Hostile output fed straight to the internal parsers (fast): every fixture mutated at random and cut at every line,
 * binary garbage, bombs, deep nesting, huge values, unknown tags and JSON variants. Property: a well-formed result or
 * an {@code OutputParseException}, bounded in time and allocation (see {@link ParseProperty}). A seeded-random
 * generator on {@code @TestFactory}, reproducible with {@code -Dreliability.seed}; the end-to-end cases through the
 * public API are in {@link EndToEndOutputChecks}.
 */
@Timeout(120)
class HostileOutputChecks {
    /** Random mutations per fixture and parser; {@code -Dreliability.tries} raises it for a long run. */
    static final int TRIES = Integer.getInteger("reliability.tries", 60);
    private static final int GARBAGE_CASES = Integer.getInteger("reliability.garbage", 300);
    private static final Duration HEAVY_LIMIT = Duration.ofSeconds(15);

    /** Every fixture file the transport parses, with the parsers that read that kind of output. */
    static List<String> fixtureNames() {
        List<String> names = new ArrayList<>();
        Iterator<String> it = Fixtures.expectedFiles().fieldNames();
        it.forEachRemaining(names::add);
        return names;
    }

    @TestFactory
    Stream<DynamicTest> mutatedFixturesGiveAResultOrAParseError() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : fixtureNames()) {
            String original = Fixtures.text(name);
            for (Parser parser : List.of(Parser.ACTION, Parser.STATUS, Parser.DOCUMENT, Parser.VERSION)) {
                tests.add(DynamicTest.dynamicTest(parser + " on mutated " + name, () -> {
                    Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
                    for (Mutant cut : Mutator.truncations(original)) {
                        outcomes.merge(ParseProperty.check(parser, cut.text(), name + ": " + cut.description()),
                                1, Integer::sum);
                    }
                    SplittableRandom random = ReliabilitySeeds.random(parser + name);
                    for (int i = 0; i < TRIES; i++) {
                        Mutant mutant = Mutator.mutate(original, random);
                        outcomes.merge(ParseProperty.check(parser, mutant.text(),
                                name + " #" + i + ": " + mutant.description()), 1, Integer::sum);
                    }
                    assertThat(outcomes.values().stream().mapToInt(Integer::intValue).sum()).isPositive();
                }));
            }
        }
        for (String name : List.of("3.x-run-snapshot-crashed.stderr.txt", "3.x-run-snapshot-v3.stderr.txt",
                "3.x-run-health.stderr.txt")) {
            String original = Fixtures.text(name);
            tests.add(DynamicTest.dynamicTest("STDERR on mutated " + name, () -> {
                SplittableRandom random = ReliabilitySeeds.random("stderr" + name);
                for (Mutant cut : Mutator.truncations(original)) {
                    ParseProperty.check(Parser.STDERR, cut.text(), name + ": " + cut.description());
                }
                for (int i = 0; i < TRIES * 3; i++) {
                    Mutant mutant = Mutator.mutate(original, random);
                    ParseProperty.check(Parser.STDERR, mutant.text(), name + " #" + i + ": " + mutant.description());
                }
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> binaryGarbageGivesAParseErrorOrAResult() {
        return Stream.of(Parser.values()).map(parser -> DynamicTest.dynamicTest(parser + " on garbage", () -> {
            SplittableRandom random = ReliabilitySeeds.random("garbage" + parser);
            for (int i = 0; i < GARBAGE_CASES; i++) {
                Mutant garbage = Mutator.garbage(random);
                ParseProperty.check(parser, garbage.text(), "garbage #" + i + ": " + garbage.description());
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> bombsNestingHugeValuesAndTagsAreBounded() {
        List<DynamicTest> tests = new ArrayList<>();
        HostileDocuments.all().forEach((name, text) -> {
            for (Parser parser : List.of(Parser.ACTION, Parser.STATUS, Parser.DOCUMENT, Parser.VERSION)) {
                tests.add(DynamicTest.dynamicTest(parser + " on " + name, () -> assertTimeoutPreemptively(
                        HEAVY_LIMIT, () -> ParseProperty.check(parser, text, name), () -> parser + " on " + name
                                + " did not end within " + HEAVY_LIMIT)));
            }
        });
        HostileDocuments.stderrs().forEach((name, text) -> tests.add(DynamicTest.dynamicTest("STDERR on " + name,
                () -> assertTimeoutPreemptively(HEAVY_LIMIT, () -> ParseProperty.check(Parser.STDERR, text, name)))));
        return tests.stream();
    }

    /** Values that must survive intact: a hostile document is not an excuse to lose a legitimate large result. */
    @Test
    void largeButLegitimateValuesAreParsedIntact() {
        Map<String, String> docs = HostileDocuments.all();
        List<ActionResult> big = ActionOutputParser.parse(docs.get("5 MiB stdout scalar"));
        assertThat(big).singleElement().satisfies(t -> assertThat(t.stdout()).hasSize(5 * 1024 * 1024));
        assertThat(ActionOutputParser.parse(docs.get("token just under the YAML limit")).get(0).stdout())
                .hasSize(250 * 1024);
        List<ActionResult> block = ActionOutputParser.parse(docs.get("5 MiB literal block"));
        assertThat(block.get(0).results().get("output").toString()).hasSize(200_000 * 20).startsWith("etcd member");
        assertThat(ActionOutputParser.parse(docs.get("nesting 63 (under the limit)"))).hasSize(1);
        assertThat(ActionOutputParser.parse(docs.get("20k tasks"))).hasSize(20_000)
                .extracting(t -> t.unit().orElseThrow()).startsWith("etcd/0", "etcd/1", "etcd/2");
        // Juju prints no tags; a tag changes nothing about the text (and never instantiates anything).
        assertThat(ActionOutputParser.parse(docs.get("unknown local tag")).get(0).status()).isEqualTo("completed");
        Ledger.FAULTS_INJECTED.addAndGet(6);
        Ledger.RECOVERIES.addAndGet(6);
    }

    /** Juju's {@code --format json} and harmless YAML variants of every fixture parse to exactly the same values. */
    @TestFactory
    Stream<DynamicTest> jsonAndHarmlessYamlVariantsParseToTheSameValues() {
        ObjectMapper yaml = new YAMLMapper();
        JsonMapper compact = new JsonMapper();
        JsonMapper escaped = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : fixtureNames()) {
            String kind = Fixtures.expectedFiles().get(name).path("kind").asText();
            boolean action = kind.equals("action");
            if (!action && !kind.equals("status")) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest("variants of " + name, () -> {
                String original = Fixtures.text(name);
                Object expected = parse(action, original);
                JsonNode tree = read(yaml, original);
                List<String> variants = new ArrayList<>(List.of(
                        write(compact, tree), write(compact.writerWithDefaultPrettyPrinter(), tree),
                        write(escaped, tree), "  " + write(compact, tree) + "\n\n",
                        original.replace("\n", "\r\n"), "---\n" + original, original + "...\n",
                        original + "\n# trailing comment\n\n", "# leading comment\n" + original,
                        original.stripTrailing()));
                if (!action) {
                    variants.add(original + "future-top-level-key: {a: [1, {b: c}]}\n");
                }
                for (String variant : variants) {
                    Ledger.FAULTS_INJECTED.incrementAndGet();
                    assertThat(parse(action, variant)).as("%s as %s", name, variant).isEqualTo(expected);
                    Ledger.RECOVERIES.incrementAndGet();
                }
            }));
        }
        return tests.stream();
    }

    private static Object parse(boolean action, String text) {
        return action ? ActionOutputParser.parse(text) : StatusParser.parse(text);
    }

    private static JsonNode read(ObjectMapper mapper, String text) {
        try {
            return mapper.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String write(ObjectMapper mapper, JsonNode tree) {
        return write(mapper.writer(), tree);
    }

    private static String write(com.fasterxml.jackson.databind.ObjectWriter writer, JsonNode tree) {
        try {
            return writer.writeValueAsString(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
