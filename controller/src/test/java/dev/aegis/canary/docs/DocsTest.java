package dev.aegis.canary.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * README.md and docs/ as a reader follows them: the README stays a front page (at most 12 KB) that reaches every
 * page of docs/, and every relative link of either, with its #anchor, lands on a file and a heading that exist.
 */
class DocsTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    static final Pattern FENCE = Pattern.compile("(?ms)^```.*?^```");
    static final Pattern CODE_SPAN = Pattern.compile("`[^`\n]*`");

    @Test
    void theReadmeIsAFrontPageThatLeadsToEveryDoc() throws IOException {
        Path readme = ROOT.resolve("README.md");
        assertThat(Files.size(readme)).as("README.md's size in bytes: keep it a front page, move detail to docs/")
                .isLessThanOrEqualTo(12 * 1024);
        Set<String> linked = new HashSet<>();
        for (String target : links(readme)) {
            linked.add(target.replaceAll("#.*", ""));
        }
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            assertThat(docs.map(p -> "docs/" + p.getFileName()).filter(n -> n.endsWith(".md")).toList())
                    .as("every page of docs/ is linked from README.md").allMatch(linked::contains);
        }
    }

    @Test
    void everyRelativeLinkLandsOnAFileAndAHeadingThatExist() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<String> broken = new ArrayList<>();
        for (Path page : pages) {
            for (String target : links(page)) {
                if (target.matches("^[a-z]+:.*")) {
                    continue; // https:, mailto:
                }
                String file = target.replaceAll("#.*", "");
                String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
                Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(ROOT.relativize(page) + ": " + target + " (no such file)");
                } else if (anchor != null && resolved.toString().endsWith(".md")
                        && !anchors(resolved).contains(anchor)) {
                    broken.add(ROOT.relativize(page) + ": " + target + " (no such heading)");
                }
            }
        }
        assertThat(broken).as("broken links").isEmpty();
    }

    /** The link targets of a Markdown page, outside code blocks and spans. */
    static List<String> links(Path page) throws IOException {
        String text = CODE_SPAN.matcher(FENCE.matcher(Files.readString(page)).replaceAll("")).replaceAll("");
        List<String> targets = new ArrayList<>();
        Matcher m = LINK.matcher(text);
        while (m.find()) {
            targets.add(m.group(1));
        }
        return targets;
    }

    /** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens. */
    static Set<String> anchors(Path page) throws IOException {
        Set<String> anchors = new HashSet<>();
        String text = FENCE.matcher(Files.readString(page)).replaceAll("");
        for (String line : text.split("\n")) {
            if (line.matches("^#{1,6} .*")) {
                String title = line.replaceFirst("^#+ ", "").trim().toLowerCase(Locale.ROOT);
                anchors.add(title.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }
}
