package io.github.etcdbackup.testkit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes YAML the way Juju does, i.e. like Go's {@code gopkg.in/yaml.v2}: block style, two-space indent,
 * sequences in mappings not indented, {@link GoMap} keys in yaml.v2's natural order, strings that would read back
 * as another type (numbers, booleans, null, dates) double-quoted, strings with a line break as {@code |} /
 * {@code |-} literal blocks, other unsafe strings single- or double-quoted, and long plain scalars folded at a
 * space once the line passes 80 columns. The rules are those of yaml.v2's {@code encode.go} and its libyaml port
 * ({@code emitterc.go}: analyze_scalar, select_scalar_style, write_plain_scalar).
 * <p>
 * Values: {@link Map} (insertion order = Go struct), {@link GoMap}, {@link List}, {@link String}, {@link Integer},
 * {@link Long}, {@link Boolean}.
 */
final class GoYaml {
    private static final int BEST_WIDTH = 80;
    private static final int BEST_INDENT = 2;

    private static final Set<String> RESOLVES_TO_OTHER_TYPE = Set.of("", "~", "null", "Null", "NULL",
            "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF",
            "true", "True", "TRUE", "false", "False", "FALSE",
            ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
            "<<");
    private static final Pattern INT = Pattern.compile(
            "[-+]?(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)");
    private static final Pattern FLOAT = Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    private static final Pattern BASE60_FLOAT = Pattern.compile("[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\\.[0-9_]*)?");
    private static final Pattern TIMESTAMP = Pattern.compile(
            "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
                    + "(([Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]*)?(Z|[-+][0-9]{1,2}(:[0-9]{2})?))"
                    + "|( [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]*)?))?");

    private enum Style { PLAIN, SINGLE_QUOTED, DOUBLE_QUOTED, LITERAL }

    private final StringBuilder out = new StringBuilder();
    /** Characters on the current line, as libyaml's {@code emitter.column}. */
    private int column;

    private GoYaml() {
    }

    /** The YAML document for {@code root} (a map), ending with a newline, as {@code yaml.Marshal} returns it. */
    static String emit(Object root) {
        GoYaml yaml = new GoYaml();
        if (root instanceof Map<?, ?> map && map.isEmpty()) {
            return "{}\n";
        }
        if (root instanceof Map<?, ?> map) {
            yaml.mapping(map, 0, false);
        } else if (root instanceof List<?> list && !list.isEmpty()) {
            yaml.sequence(list, 0);
        } else {
            yaml.scalar(root, 0, false);
            yaml.newline();
        }
        return yaml.out.toString();
    }

    /**
     * A block mapping whose keys start at {@code indent}. When {@code continuesLine} the first key goes right
     * after a sequence's {@code "- "}.
     */
    private void mapping(Map<?, ?> map, int indent, boolean continuesLine) {
        boolean first = true;
        for (Map.Entry<?, ?> entry : ordered(map)) {
            if (!(first && continuesLine)) {
                pad(indent);
            }
            first = false;
            if (entry.getKey() instanceof Number number) {
                // A Go map keyed by integers (2.9's enqueue errors): yaml.v2 writes the keys as plain numbers.
                write(number.toString());
            } else {
                writeScalar((String) entry.getKey(), indent, true);
            }
            write(":");
            value(entry.getValue(), indent);
        }
    }

    /** A mapping value after {@code key:}. */
    private void value(Object value, int indent) {
        if (value instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                write(" {}");
                newline();
            } else {
                newline();
                mapping(map, indent + BEST_INDENT, false);
            }
        } else if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                write(" []");
                newline();
            } else {
                newline();
                sequence(list, indent); // yaml.v2 does not indent a sequence inside a mapping
            }
        } else {
            write(" ");
            scalar(value, indent + BEST_INDENT, false);
            newline();
        }
    }

    private void sequence(List<?> list, int indent) {
        for (Object item : list) {
            pad(indent);
            write("- ");
            if (item instanceof Map<?, ?> map && !map.isEmpty()) {
                mapping(map, indent + BEST_INDENT, true);
            } else if (item instanceof Map<?, ?>) {
                write("{}");
                newline();
            } else if (item instanceof List<?>) {
                throw new IllegalArgumentException("nested sequences are not used in Juju's output");
            } else {
                scalar(item, indent + BEST_INDENT, false);
                newline();
            }
        }
    }

    private void scalar(Object value, int indent, boolean simpleKey) {
        if (value instanceof String text) {
            writeScalar(text, indent, simpleKey);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Boolean) {
            write(value.toString());
        } else {
            throw new IllegalArgumentException("unsupported YAML value: " + value);
        }
    }

    private void writeScalar(String text, int indent, boolean simpleKey) {
        switch (style(text, simpleKey)) {
            case PLAIN -> plain(text, indent, !simpleKey);
            case SINGLE_QUOTED -> singleQuoted(text, indent, !simpleKey);
            case DOUBLE_QUOTED -> doubleQuoted(text, indent, !simpleKey);
            case LITERAL -> literal(text, indent);
        }
    }

    /** yaml.v2's encoder choice ({@code stringv}) refined by libyaml's {@code select_scalar_style}. */
    private static Style style(String text, boolean simpleKey) {
        Style style;
        if (text.indexOf('\n') >= 0) {
            style = Style.LITERAL;
        } else if (resolvesToOtherType(text)) {
            style = Style.DOUBLE_QUOTED;
        } else {
            style = Style.PLAIN;
        }
        ScalarAnalysis analysis = ScalarAnalysis.of(text);
        if (simpleKey && analysis.multiline) {
            return Style.DOUBLE_QUOTED;
        }
        if (style == Style.PLAIN && (!analysis.blockPlainAllowed || (text.isEmpty() && simpleKey))) {
            style = Style.SINGLE_QUOTED;
        }
        if (style == Style.SINGLE_QUOTED && !analysis.singleQuotedAllowed) {
            style = Style.DOUBLE_QUOTED;
        }
        if (style == Style.LITERAL && (!analysis.blockAllowed || simpleKey)) {
            style = Style.DOUBLE_QUOTED;
        }
        return style;
    }

    private static boolean resolvesToOtherType(String text) {
        return RESOLVES_TO_OTHER_TYPE.contains(text) || INT.matcher(text).matches()
                || FLOAT.matcher(text).matches() || BASE60_FLOAT.matcher(text).matches()
                || TIMESTAMP.matcher(text).matches();
    }

    /** libyaml's {@code write_plain_scalar}: breaks at the first space of a run once past the width. */
    private void plain(String text, int indent, boolean allowBreaks) {
        boolean spaces = false;
        int[] cps = text.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            int c = cps[i];
            if (c == ' ') {
                if (allowBreaks && !spaces && column > BEST_WIDTH && i + 1 < cps.length && cps[i + 1] != ' ') {
                    newline();
                    pad(indent);
                } else {
                    writeCodePoint(c);
                }
                spaces = true;
            } else {
                writeCodePoint(c);
                spaces = false;
            }
        }
    }

    private void singleQuoted(String text, int indent, boolean allowBreaks) {
        write("'");
        boolean spaces = false;
        int[] cps = text.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            int c = cps[i];
            if (c == ' ') {
                if (allowBreaks && !spaces && column > BEST_WIDTH && i != 0 && i != cps.length - 1
                        && cps[i + 1] != ' ') {
                    newline();
                    pad(indent);
                } else {
                    writeCodePoint(c);
                }
                spaces = true;
            } else {
                if (c == '\'') {
                    write("'");
                }
                writeCodePoint(c);
                spaces = false;
            }
        }
        write("'");
    }

    private void doubleQuoted(String text, int indent, boolean allowBreaks) {
        write("\"");
        boolean spaces = false;
        int[] cps = text.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            int c = cps[i];
            if (!isPrintable(c) || c == 0xFEFF || isBreak(c) || c == '"' || c == '\\') {
                write(escape(c));
                spaces = false;
            } else if (c == ' ') {
                if (allowBreaks && !spaces && column > BEST_WIDTH && i != 0 && i != cps.length - 1) {
                    newline();
                    pad(indent);
                    if (cps[i + 1] == ' ') {
                        write("\\");
                    }
                } else {
                    writeCodePoint(c);
                }
                spaces = true;
            } else {
                writeCodePoint(c);
                spaces = false;
            }
        }
        write("\"");
    }

    private static String escape(int c) {
        return switch (c) {
            case 0 -> "\\0";
            case 0x07 -> "\\a";
            case 0x08 -> "\\b";
            case 0x09 -> "\\t";
            case 0x0A -> "\\n";
            case 0x0B -> "\\v";
            case 0x0C -> "\\f";
            case 0x0D -> "\\r";
            case 0x1B -> "\\e";
            case '"' -> "\\\"";
            case '\\' -> "\\\\";
            case 0x85 -> "\\N";
            case 0xA0 -> "\\_";
            case 0x2028 -> "\\L";
            case 0x2029 -> "\\P";
            default -> c <= 0xFF ? String.format("\\x%02X", c)
                    : c <= 0xFFFF ? String.format("\\u%04X", c) : String.format("\\U%08X", c);
        };
    }

    /** libyaml's {@code write_literal_scalar} with its chomping hint: {@code |-}, {@code |} or {@code |+}. */
    private void literal(String text, int indent) {
        write("|");
        if (text.startsWith(" ") || text.startsWith("\n")) {
            write(String.valueOf(BEST_INDENT));
        }
        if (!text.endsWith("\n")) {
            write("-");
        } else if (text.length() == 1 || text.endsWith("\n\n")) {
            write("+");
        }
        newline();
        boolean lineStart = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                newline();
                lineStart = true;
            } else {
                if (lineStart) {
                    pad(indent);
                    lineStart = false;
                }
                out.append(c);
                column++;
            }
        }
        // The final line break belongs to the text; the caller adds the one that ends the value.
        if (text.endsWith("\n")) {
            out.setLength(out.length() - 1);
        }
    }

    private static boolean isPrintable(int c) {
        return c == 0x0A || (c >= 0x20 && c <= 0x7E) || c == 0x85 || (c >= 0xA0 && c <= 0xD7FF)
                || (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF) || (c >= 0x10000 && c <= 0x10FFFF);
    }

    private static boolean isBreak(int c) {
        return c == '\r' || c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029;
    }

    private void pad(int indent) {
        out.append(" ".repeat(indent));
        column = indent;
    }

    private void write(String text) {
        out.append(text);
        column += text.codePointCount(0, text.length());
    }

    private void writeCodePoint(int c) {
        out.appendCodePoint(c);
        column++;
    }

    private void newline() {
        out.append('\n');
        column = 0;
    }

    private static List<Map.Entry<?, ?>> ordered(Map<?, ?> map) {
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        if (map instanceof GoMap) {
            entries.sort(Comparator.comparing(e -> (String) e.getKey(), GoYaml::naturalCompare));
        }
        return entries;
    }

    /** yaml.v2's {@code keyList.Less}: letters by code point and after non-letters, digit runs by value. */
    static int naturalCompare(String a, String b) {
        int[] ar = a.codePoints().toArray();
        int[] br = b.codePoints().toArray();
        for (int i = 0; i < ar.length && i < br.length; i++) {
            if (ar[i] == br[i]) {
                continue;
            }
            boolean al = Character.isLetter(ar[i]);
            boolean bl = Character.isLetter(br[i]);
            if (al && bl) {
                return Integer.compare(ar[i], br[i]);
            }
            if (al || bl) {
                return bl ? -1 : 1;
            }
            long an = 0;
            long bn = 0;
            if (ar[i] == '0' || br[i] == '0') {
                for (int j = i - 1; j >= 0 && Character.isDigit(ar[j]); j--) {
                    if (ar[j] != '0') {
                        an = 1;
                        bn = 1;
                        break;
                    }
                }
            }
            int ai = i;
            while (ai < ar.length && Character.isDigit(ar[ai])) {
                an = an * 10 + (ar[ai++] - '0');
            }
            int bi = i;
            while (bi < br.length && Character.isDigit(br[bi])) {
                bn = bn * 10 + (br[bi++] - '0');
            }
            if (an != bn) {
                return Long.compare(an, bn);
            }
            if (ai != bi) {
                return Integer.compare(ai, bi);
            }
            return Integer.compare(ar[i], br[i]);
        }
        return Integer.compare(ar.length, br.length);
    }

    /** The facts libyaml's {@code analyze_scalar} derives from a string, reduced to what block context needs. */
    private record ScalarAnalysis(boolean multiline, boolean blockPlainAllowed, boolean singleQuotedAllowed,
                                  boolean blockAllowed) {

        static ScalarAnalysis of(String value) {
            if (value.isEmpty()) {
                return new ScalarAnalysis(false, false, true, false);
            }
            boolean blockIndicators = value.startsWith("---") || value.startsWith("...");
            boolean leadingSpace = false;
            boolean leadingBreak = false;
            boolean trailingSpace = false;
            boolean trailingBreak = false;
            boolean breakSpace = false;
            boolean spaceBreak = false;
            boolean previousSpace = false;
            boolean previousBreak = false;
            boolean lineBreaks = false;
            boolean specialCharacters = false;
            boolean precededByWhitespace = true;
            int[] cps = value.codePoints().toArray();
            for (int i = 0; i < cps.length; i++) {
                int c = cps[i];
                boolean followedByWhitespace = i + 1 >= cps.length || isBlank(cps[i + 1]);
                if (i == 0) {
                    switch (c) {
                        case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`' ->
                                blockIndicators = true;
                        case '?', ':' -> blockIndicators |= followedByWhitespace;
                        case '-' -> blockIndicators |= followedByWhitespace;
                        default -> { }
                    }
                } else {
                    if (c == ':' && followedByWhitespace) {
                        blockIndicators = true;
                    } else if (c == '#' && precededByWhitespace) {
                        blockIndicators = true;
                    }
                }
                if (!isPrintable(c) || c == 0xFEFF) {
                    specialCharacters = true;
                }
                if (c == ' ') {
                    leadingSpace |= i == 0;
                    trailingSpace |= i == cps.length - 1;
                    breakSpace |= previousBreak;
                    previousSpace = true;
                    previousBreak = false;
                } else if (isBreak(c)) {
                    lineBreaks = true;
                    leadingBreak |= i == 0;
                    trailingBreak |= i == cps.length - 1;
                    spaceBreak |= previousSpace;
                    previousSpace = false;
                    previousBreak = true;
                } else {
                    previousSpace = false;
                    previousBreak = false;
                }
                precededByWhitespace = isBlank(c) || isBreak(c);
            }
            boolean blockPlain = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak
                    || breakSpace || spaceBreak || specialCharacters || lineBreaks || blockIndicators);
            boolean singleQuoted = !(breakSpace || spaceBreak || specialCharacters);
            boolean block = !(trailingSpace || spaceBreak || specialCharacters);
            return new ScalarAnalysis(lineBreaks, blockPlain, singleQuoted, block);
        }

        private static boolean isBlank(int c) {
            return c == ' ' || c == '\t';
        }
    }
}
