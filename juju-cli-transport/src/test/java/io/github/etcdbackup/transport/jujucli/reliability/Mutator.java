package io.github.etcdbackup.transport.jujucli.reliability;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded mutations of a valid Juju output, on its UTF-8 bytes (as a process prints them; the library decodes them
 * as UTF-8 like {@code BoundedBuffer} does). Every mutation is named so that a failure says what was done.
 */
final class Mutator {
    /** Bytes that mean something to YAML or JSON, favoured by insertions. */
    private static final byte[] SIGNIFICANT = ":{}[]&*!|>'\"#-?,%@`\n\t \\~=".getBytes(StandardCharsets.US_ASCII);
    /** Scalars that have broken parsers: huge numbers, special floats, tags, aliases, unit-like keys. */
    static final List<String> HOSTILE_SCALARS = List.of(
            "99999999999999999999999999", "-99999999999999999999", "1e999999999", "-1e-999999999", ".nan", ".inf",
            "0x7fffffffffffffff", "0o777777777777777777777", "1_000_000_000_000_000", "~", "null", "[]", "{}", "yes",
            "!!binary '@@@not base64@@@'", "!!binary AAAA", "!!python/object/apply:os.system ['touch /tmp/pwned']",
            "!!python/name:os.system", "!foo bar", "!<tag:example.com,2024:x> y", "!!set {a, b}", "!!omap [a: 1]",
            "!!int 123456789012345678901234567890", "!!float abc", "!!timestamp 2024-13-45", "*undefined",
            "&anchor value", "\"\\u0000\\ud800\"", "'\u0000'", "\"\\x00\"", "etcd/99999999999999999999",
            "unit-etcd-99999999999999999999", "\"" + "x".repeat(70_000) + "\"", "|\n  literal\n  block",
            ">-\n  folded", "? complex\n  : key", "- [nested, [list]]", "2147483648", "-2147483649");

    private Mutator() {
    }

    /** A named mutated text. */
    record Mutant(String description, String text) {
    }

    /** One random mutation (sometimes several stacked) of {@code original}. */
    static Mutant mutate(String original, SplittableRandom random) {
        byte[] bytes = original.getBytes(StandardCharsets.UTF_8);
        int rounds = 1 + (random.nextInt(4) == 0 ? random.nextInt(4) : 0);
        StringBuilder description = new StringBuilder();
        for (int i = 0; i < rounds; i++) {
            int kind = random.nextInt(9);
            if (description.length() > 0) {
                description.append(" + ");
            }
            switch (kind) {
                case 0 -> {
                    int flips = 1 + random.nextInt(4);
                    bytes = bytes.clone();
                    for (int f = 0; f < flips && bytes.length > 0; f++) {
                        int at = random.nextInt(bytes.length);
                        bytes[at] ^= (byte) (1 << random.nextInt(8));
                    }
                    description.append(flips).append(" bit flip(s)");
                }
                case 1 -> {
                    if (bytes.length == 0) {
                        continue;
                    }
                    int at = random.nextInt(bytes.length);
                    int len = Math.min(bytes.length - at, 1 + random.nextInt(16));
                    bytes = concat(Arrays.copyOf(bytes, at), Arrays.copyOfRange(bytes, at + len, bytes.length));
                    description.append("delete ").append(len).append(" at ").append(at);
                }
                case 2 -> {
                    int at = random.nextInt(bytes.length + 1);
                    byte[] insert = new byte[1 + random.nextInt(8)];
                    for (int b = 0; b < insert.length; b++) {
                        insert[b] = random.nextBoolean() ? SIGNIFICANT[random.nextInt(SIGNIFICANT.length)]
                                : (byte) random.nextInt(256);
                    }
                    bytes = concat(concat(Arrays.copyOf(bytes, at), insert),
                            Arrays.copyOfRange(bytes, at, bytes.length));
                    description.append("insert ").append(insert.length).append(" at ").append(at);
                }
                case 3 -> {
                    List<String> lines = lines(bytes);
                    if (lines.size() < 2) {
                        continue;
                    }
                    int a = random.nextInt(lines.size());
                    int b = random.nextInt(lines.size());
                    Collections.swap(lines, a, b);
                    bytes = join(lines);
                    description.append("swap lines ").append(a).append(",").append(b);
                }
                case 4 -> {
                    List<String> lines = lines(bytes);
                    int a = random.nextInt(lines.size());
                    lines.add(a, lines.get(a));
                    bytes = join(lines);
                    description.append("duplicate line ").append(a);
                }
                case 5 -> {
                    List<String> lines = lines(bytes);
                    int a = random.nextInt(lines.size());
                    String line = lines.get(a);
                    lines.set(a, random.nextBoolean() ? "  " + line : line.stripLeading());
                    bytes = join(lines);
                    description.append("re-indent line ").append(a);
                }
                case 6 -> {
                    int at = random.nextInt(bytes.length + 1);
                    bytes = Arrays.copyOf(bytes, at);
                    description.append("truncate at byte ").append(at);
                }
                case 7 -> {
                    String text = new String(bytes, StandardCharsets.UTF_8);
                    List<Integer> values = new ArrayList<>();
                    for (int at = text.indexOf(": "); at >= 0; at = text.indexOf(": ", at + 1)) {
                        values.add(at + 2);
                    }
                    if (values.isEmpty()) {
                        continue;
                    }
                    int start = values.get(random.nextInt(values.size()));
                    int end = text.indexOf('\n', start);
                    end = end < 0 ? text.length() : end;
                    String scalar = HOSTILE_SCALARS.get(random.nextInt(HOSTILE_SCALARS.size()));
                    bytes = (text.substring(0, start) + scalar + text.substring(end)).getBytes(StandardCharsets.UTF_8);
                    description.append("value at ").append(start).append(" := ").append(head(scalar));
                }
                default -> {
                    List<String> lines = lines(bytes);
                    int a = random.nextInt(lines.size());
                    lines.remove(a);
                    bytes = join(lines);
                    description.append("drop line ").append(a);
                }
            }
        }
        return new Mutant(description.toString(), new String(bytes, StandardCharsets.UTF_8));
    }

    /** The text cut after every line (the first {@code n} lines, with and without their last newline). */
    static List<Mutant> truncations(String original) {
        List<Mutant> cuts = new ArrayList<>();
        for (int at = original.indexOf('\n'); at >= 0; at = original.indexOf('\n', at + 1)) {
            cuts.add(new Mutant("cut before newline at " + at, original.substring(0, at)));
            cuts.add(new Mutant("cut after newline at " + at, original.substring(0, at + 1)));
        }
        return cuts;
    }

    /** Random bytes, sometimes biased to YAML punctuation, decoded as UTF-8 or Latin-1. */
    static Mutant garbage(SplittableRandom random) {
        byte[] bytes = new byte[random.nextInt(4096)];
        boolean significant = random.nextBoolean();
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = significant && random.nextInt(3) > 0 ? SIGNIFICANT[random.nextInt(SIGNIFICANT.length)]
                    : (byte) random.nextInt(256);
        }
        boolean latin1 = random.nextBoolean();
        return new Mutant((significant ? "punctuation-heavy " : "") + "garbage of " + bytes.length + " bytes as "
                + (latin1 ? "Latin-1" : "UTF-8"),
                new String(bytes, latin1 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8));
    }

    private static String head(String s) {
        String one = s.replace("\n", "\\n");
        return one.length() > 40 ? one.substring(0, 40) + "…(" + s.length() + " chars)" : one;
    }

    private static List<String> lines(byte[] bytes) {
        return new ArrayList<>(Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\n", -1)));
    }

    private static byte[] join(List<String> lines) {
        return String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
