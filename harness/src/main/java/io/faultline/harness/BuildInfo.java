package io.faultline.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Where the harness came from, for results: the git commit (from the launcher, else asked of git). */
final class BuildInfo {
  private BuildInfo() {}

  private static volatile String commit;

  static String gitCommit() {
    String c = commit;
    if (c != null) return c;
    c = System.getProperty("faultline.git");
    if (c == null || c.isBlank()) c = askGit();
    commit = c;
    return c;
  }

  private static String askGit() {
    try {
      Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
      p.getOutputStream().close();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "unknown";
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.exitValue() == 0 && out.matches("[0-9a-f]{40}") ? out : "unknown";
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }
}
