package io.github.etcdbackup.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Java in README.md is the code of the examples: each {@code java} block must be a {@code tag::name[]} region of
 * an example (which tests run), and each region must be in the README. Nothing can drift.
 */
class ReadmeCodeTest {
    private static final Path README = Path.of("..", "README.md");
    private static final Path EXAMPLES = Path.of("src", "main", "java");
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern REGION =
            Pattern.compile("// tag::([a-z-]+)\\[]\\n(.*?)\\n\\s*// end::\\1\\[]", Pattern.DOTALL);

    static Map<String, String> regions() throws IOException {
        Map<String, String> regions = new LinkedHashMap<>();
        try (Stream<Path> files = Files.walk(EXAMPLES)) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                Matcher m = REGION.matcher(Files.readString(file, StandardCharsets.UTF_8));
                while (m.find()) {
                    regions.put(m.group(1), dedent(m.group(2)));
                }
            }
        }
        return regions;
    }

    static String dedent(String code) {
        List<String> lines = code.lines().toList();
        int indent = lines.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            out.add(line.isBlank() ? "" : line.substring(indent));
        }
        return String.join("\n", out).strip() + "\n";
    }

    @Test
    void everyJavaBlockOfTheReadmeIsAnExampleRegionAndEveryRegionIsInTheReadme() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        List<String> blocks = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(readme);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        Map<String, String> regions = regions();
        assertThat(regions).containsKeys("backup", "ssh", "action", "restore", "store");
        assertThat(blocks).as("README java blocks").allSatisfy(block -> assertThat(regions.values()).contains(block));
        assertThat(blocks).containsAll(regions.values());
    }

    @Test
    void theErrorTableNamesEveryExceptionOfTheSealedHierarchy() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        Class<?>[] exceptions = io.github.etcdbackup.exception.EtcdBackupException.class.getPermittedSubclasses();
        assertThat(exceptions).hasSizeGreaterThan(10);
        for (Class<?> exception : exceptions) {
            assertThat(readme).as("README's error table").contains("| `" + exception.getSimpleName() + "` |");
        }
    }

    /** A reader copies these blocks into a project that has the published artifacts only, not this module. */
    @Test
    void noJavaBlockOfTheReadmeUsesAClassOfTheExamplesModule() throws IOException {
        List<String> exampleClasses;
        try (Stream<Path> files = Files.walk(EXAMPLES)) {
            exampleClasses = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".java"))
                    .map(n -> n.substring(0, n.length() - ".java".length())).toList();
        }
        assertThat(exampleClasses).contains("ConsoleProgress", "Demo");
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        Matcher m = JAVA_BLOCK.matcher(readme);
        while (m.find()) {
            String block = m.group(1);
            for (String name : exampleClasses) {
                assertThat(Pattern.compile("\\b" + name + "\\b").matcher(block).find())
                        .as("README block uses %s, which users do not have:%n%s", name, block).isFalse();
            }
        }
    }
}
