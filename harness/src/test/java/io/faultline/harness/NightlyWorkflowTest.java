package io.faultline.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * The nightly chaos workflow (.github/workflows/nightly-chaos.yml) parses, lists its jobs, and every
 * {@code ./faultline} line of every job, for every matrix entry, is a command line the real CLI
 * accepts: parsed by harness Main's picocli model and validated as the command would validate it,
 * without running anything.
 */
class NightlyWorkflowTest {
  static final Path WORKFLOW = Path.of("..", ".github", "workflows", "nightly-chaos.yml");
  private static final Pattern EXPRESSION = Pattern.compile("\\$\\{\\{\\s*([a-z_.]+)\\s*}}");

  /** One command line of one job, for one matrix entry, with its expressions filled in. */
  record Line(String job, String text) {}

  @SuppressWarnings("unchecked")
  static Map<String, Object> workflow() throws IOException {
    return (Map<String, Object>) new Yaml().load(Files.readString(WORKFLOW));
  }

  @SuppressWarnings("unchecked")
  static List<Line> lines() throws IOException {
    Map<String, Object> jobs = (Map<String, Object>) workflow().get("jobs");
    List<Line> out = new ArrayList<>();
    for (Map.Entry<String, Object> job : jobs.entrySet()) {
      Map<String, Object> spec = (Map<String, Object>) job.getValue();
      List<Map<String, Object>> entries = List.of(Map.of());
      Map<String, Object> strategy = (Map<String, Object>) spec.get("strategy");
      if (strategy != null) {
        Map<String, Object> matrix = (Map<String, Object>) strategy.get("matrix");
        assertEquals(List.of("include"), List.copyOf(matrix.keySet()), job.getKey() + ": matrices here are explicit include lists");
        entries = (List<Map<String, Object>>) matrix.get("include");
      }
      for (Map<String, Object> step : (List<Map<String, Object>>) spec.get("steps")) {
        Object run = step.get("run");
        if (run == null) continue;
        for (Map<String, Object> entry : entries) {
          for (String line : String.valueOf(run).split("\n")) {
            if (!line.isBlank()) out.add(new Line(job.getKey(), fill(line.trim(), entry, job.getKey())));
          }
        }
      }
    }
    return out;
  }

  private static String fill(String line, Map<String, Object> matrix, String job) {
    Matcher m = EXPRESSION.matcher(line);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String value;
      if (name.equals("github.run_number")) {
        value = "1234";
      } else if (name.startsWith("matrix.") && matrix.containsKey(name.substring("matrix.".length()))) {
        value = String.valueOf(matrix.get(name.substring("matrix.".length())));
      } else {
        throw new AssertionError(job + ": unknown expression ${{ " + name + " }} in: " + line);
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(value));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** Words of a shell line, quotes honoured; what follows a redirection is dropped. */
  static List<String> words(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    char quote = 0;
    boolean inWord = false;
    for (char c : line.toCharArray()) {
      if (quote != 0) {
        if (c == quote) quote = 0; else word.append(c);
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) out.add(word.toString());
        word.setLength(0);
        inWord = false;
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (quote != 0) throw new AssertionError("unclosed quote in: " + line);
    if (inWord) out.add(word.toString());
    int redirect = out.indexOf(">");
    return redirect < 0 ? out : out.subList(0, redirect);
  }

  @Test
  void parsesAndListsItsJobs() throws IOException {
    @SuppressWarnings("unchecked")
    Map<String, Object> jobs = (Map<String, Object>) workflow().get("jobs");
    assertEquals(List.of("acceptance", "campaign", "toxiproxy", "containers", "chaos-mesh"), List.copyOf(jobs.keySet()));
    Map<String, List<String>> commands = new LinkedHashMap<>();
    for (Line l : lines()) {
      if (l.text().startsWith("./")) commands.computeIfAbsent(l.job(), k -> new ArrayList<>()).add(l.text());
    }
    for (Map.Entry<String, List<String>> e : commands.entrySet()) {
      System.out.println(e.getKey() + ": " + e.getValue().size() + " command line(s), e.g. " + e.getValue().get(0));
    }
    assertEquals(jobs.keySet(), commands.keySet(), "every job runs ./faultline or ./mvnw");
  }

  @Test
  void theAcceptanceJob_runsMavenVerifyUnderTheNightlyProfile() throws IOException {
    assertTrue(lines().stream().anyMatch(l -> l.job().equals("acceptance") && l.text().equals("./mvnw -B -Pnightly verify")));
  }

  @Test
  void theCampaign_coversEverySystemOnFiveNodes_andEveryNemesisFamily() throws IOException {
    List<String> runs = new ArrayList<>();
    for (Line l : lines()) if (l.job().equals("campaign") && l.text().startsWith("./faultline ")) runs.add(l.text());
    for (String system : new Catalog.SystemNames()) {
      assertTrue(runs.stream().anyMatch(r -> r.contains("--system " + system + " ")), "no campaign run of " + system);
    }
    for (String family : List.of("kill", "pause", "partition", "delay", "blackhole", "bandwidth", "reset", "slow-close", "clock", "disk")) {
      assertTrue(runs.stream().anyMatch(r -> r.matches(".*--nemesis [a-z,-]*\\b" + family + "\\b.*")), "no campaign run with " + family);
    }
    assertTrue(runs.stream().filter(r -> !r.contains("--system postgres")).allMatch(r -> r.contains("--nodes 5")));
  }

  @Test
  void everyFaultlineLine_isACommandLineTheCliAccepts() throws IOException {
    int checked = 0;
    for (Line l : lines()) {
      if (!l.text().startsWith("./faultline ")) continue;
      List<String> args = words(l.text());
      args = args.subList(1, args.size());
      CommandLine cl = new CommandLine(new Main());
      CommandLine.ParseResult parsed;
      try {
        parsed = cl.parseArgs(args.toArray(new String[0]));
      } catch (CommandLine.ParameterException e) {
        fail(l.job() + ": picocli rejects '" + l.text() + "': " + e.getMessage());
        return;
      }
      CommandLine.ParseResult sub = parsed.subcommand();
      assertTrue(sub != null, l.job() + ": no subcommand in " + l.text());
      Object command = sub.subcommand() != null ? sub.subcommand().commandSpec().userObject() : sub.commandSpec().userObject();
      try {
        if (command instanceof RunCommand run) {
          RunSpec spec = run.toSpec();
          Catalog.system(spec.system());
          assertTrue(Catalog.WORKLOADS.contains(spec.workload()), l.text());
          Catalog.schedule(spec.nemeses(), spec.targets(), spec.nemesisIntervalMs(), spec.timeMs(), spec.seed(), spec.combined());
        } else if (command instanceof ChaosMeshCommand.Render render) {
          assertFalse(render.options.rendering().resources().isEmpty(), l.text());
        } else {
          fail(l.job() + ": a faultline command this test does not validate yet: " + l.text());
        }
      } catch (IllegalArgumentException e) {
        fail(l.job() + ": '" + l.text() + "' is invalid: " + e.getMessage());
      }
      checked++;
    }
    assertTrue(checked >= 20, "expected the matrix to give at least 20 faultline lines, got " + checked);
  }

  @Test
  void aBadLine_isCaught() {
    CommandLine cl = new CommandLine(new Main());
    List<String> args = words("./faultline run --system ratis --nodez 5 > out.txt");
    assertEquals(List.of("./faultline", "run", "--system", "ratis", "--nodez", "5"), args);
    org.junit.jupiter.api.Assertions.assertThrows(CommandLine.ParameterException.class,
        () -> cl.parseArgs(args.subList(1, args.size()).toArray(new String[0])));
  }
}
