package io.faultline.results;

import io.faultline.checkers.Anomaly;
import io.faultline.faults.FaultInterval;
import io.faultline.history.History;
import io.faultline.history.HistoryJson;
import io.faultline.history.Json;
import io.faultline.history.Op;
import io.faultline.history.OpType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code report.html}: one self-contained page with what Jepsen users look at first — the latency of
 * every op over time (ok / fail / info marked differently), throughput over time and, when the system
 * can say, the WAL's bytes on disk over time, with the fault intervals shaded — then the anomalies with
 * their witness ops. Plain SVG, no scripts, no network.
 */
public final class ReportHtml {
  private ReportHtml() {}

  /** At most this many points are drawn; beyond it every k-th op is drawn and the page says so. */
  static final int POINTS_MAX = 20_000;
  /** At most this many dependency cycles are drawn. */
  static final int CYCLES_MAX = 12;
  private static final int WIDTH = 1000;
  private static final int HEIGHT = 300;
  private static final int LEFT = 64;
  private static final int RIGHT = 16;
  private static final int TOP = 16;
  private static final int BOTTOM = 40;
  private static final String[] FAULT_COLOURS = {"#f4a261", "#e9c46a", "#a8dadc", "#cdb4db", "#b5e48c", "#ffafcc"};

  /** A completed client op, for plotting. */
  private record Point(double tS, double latencyMs, OpType type, String f, long invokeIndex, long completionIndex) {}

  public static String render(RunResult result, History history, List<FaultInterval> faults) {
    List<Point> points = new ArrayList<>();
    double endS = 0;
    for (int i = 0; i < history.size(); i++) {
      Op op = history.get(i);
      endS = Math.max(endS, op.timeNs() / 1e9);
      if (!op.isClient() || !op.isInvoke()) continue;
      int c = history.completionOf(i);
      if (c < 0) continue;
      Op done = history.get(c);
      points.add(new Point(op.timeNs() / 1e9, Math.max(1e-3, (done.timeNs() - op.timeNs()) / 1e6), done.type(), op.f(), op.index(), done.index()));
    }
    for (FaultInterval f : faults) endS = Math.max(endS, (f.endNs() < 0 ? f.startNs() : f.endNs()) / 1e9);
    for (WalSample w : result.walBytes()) endS = Math.max(endS, w.tMs() / 1e3);
    endS = Math.max(endS, 1.0);

    Set<Long> witness = new HashSet<>();
    for (Anomaly a : result.anomalies()) witness.addAll(a.witness());

    StringBuilder sb = new StringBuilder(1 << 16);
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>faultline: ")
        .append(esc(result.system())).append(" / ").append(esc(result.workload())).append(" / ")
        .append(esc(result.nemesis())).append("</title>\n<style>\n")
        .append("body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}")
        .append("h1{font-size:20px}h2{font-size:16px;margin-top:28px}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}")
        .append(".valid-true{color:#1a7f37;font-weight:bold}.valid-false{color:#c62828;font-weight:bold}.valid-unknown{color:#b26a00;font-weight:bold}")
        .append("pre{background:#f6f8fa;padding:8px;overflow-x:auto;font-size:12px}svg{background:#fff;border:1px solid #ddd}")
        .append(".legend span{margin-right:16px}\n</style></head><body>\n");

    String validWord = String.valueOf(result.valid().json());
    sb.append("<h1>").append(esc(result.system())).append(" &middot; ").append(esc(result.workload()))
        .append(" &middot; nemesis ").append(esc(result.nemesis())).append(": <span class=\"valid-")
        .append(validWord).append("\">valid ").append(validWord).append("</span></h1>\n");
    sb.append("<table>");
    row(sb, "seed", String.valueOf(result.seed()));
    row(sb, "command", "<code>" + esc(result.command()) + "</code>");
    row(sb, "git commit", esc(result.gitCommit()));
    row(sb, "ops", "ok " + result.ops().getOrDefault("ok", 0L) + ", fail " + result.ops().getOrDefault("fail", 0L)
        + ", info " + result.ops().getOrDefault("info", 0L));
    row(sb, "throughput", String.format(Locale.ROOT, "%.1f ok ops/s", result.throughput()));
    row(sb, "latency", String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms, max %.2f ms",
        result.latencyMs().getOrDefault("p50", 0.0), result.latencyMs().getOrDefault("p99", 0.0),
        result.latencyMs().getOrDefault("max", 0.0)));
    Object bugs = result.extra().get("bugs");
    if (bugs instanceof List && !((List<?>) bugs).isEmpty()) row(sb, "planted bugs", esc(Json.write(bugs)));
    sb.append("</table>\n");

    Map<String, String> faultColour = new HashMap<>();
    for (FaultInterval f : faults) faultColour.computeIfAbsent(f.kind(), k -> FAULT_COLOURS[faultColour.size() % FAULT_COLOURS.length]);

    sb.append("<h2>Latency of every op</h2>\n");
    int stride = Math.max(1, (points.size() + POINTS_MAX - 1) / POINTS_MAX);
    if (stride > 1) sb.append("<p>").append(points.size()).append(" ops; every ").append(stride).append("th is drawn.</p>\n");
    latencyChart(sb, points, stride, endS, faults, faultColour, witness);
    sb.append("<div class=\"legend\"><span style=\"color:#1f77b4\">&#9679; ok</span><span style=\"color:#d62728\">&#10006; fail</span>")
        .append("<span style=\"color:#ff7f0e\">&#9650; info</span><span>&#9711; anomaly witness</span>");
    for (Map.Entry<String, String> e : faultColour.entrySet()) {
      sb.append("<span><span style=\"background:").append(e.getValue()).append(";opacity:.6\">&nbsp;&nbsp;&nbsp;</span> ")
          .append(esc(e.getKey())).append("</span>");
    }
    sb.append("</div>\n");

    sb.append("<h2>Throughput over time (completions per second)</h2>\n");
    throughputChart(sb, points, endS, faults, faultColour);

    if (!result.walBytes().isEmpty()) {
      sb.append("<h2>WAL bytes on disk over time (all nodes)</h2>\n");
      walBytesChart(sb, result.walBytes(), endS, faults, faultColour);
    }

    sb.append("<h2>Anomalies</h2>\n");
    if (result.anomalies().isEmpty()) {
      sb.append("<p>None found.</p>\n");
    } else {
      Map<Long, Op> byIndex = new HashMap<>();
      for (Op op : history.ops()) byIndex.put(op.index(), op);
      for (Anomaly a : result.anomalies()) {
        sb.append("<h3>").append(esc(a.type())).append("</h3><p>").append(esc(a.explanation())).append("</p><pre>");
        for (Long idx : a.witness()) {
          Op op = byIndex.get(idx);
          sb.append(esc(op == null ? "op " + idx : HistoryJson.toJson(op))).append('\n');
        }
        sb.append("</pre>\n");
      }
    }

    List<Map<?, ?>> cycles = CycleGraph.cyclesOf(result.extra());
    if (!cycles.isEmpty()) {
      sb.append("<h2>Dependency cycles</h2>\n<p>Each arrow is a dependency between two transactions (named by the op index of\n")
          .append("their completion): <span style=\"color:#2e7d32\">ww</span>, <span style=\"color:#1565c0\">wr</span>, ")
          .append("<span style=\"color:#c62828\">rw</span>, <span style=\"color:#6a1b9a\">realtime / process</span>; hover for why.</p>\n");
      int shown = 0;
      for (Map<?, ?> c : cycles) {
        if (shown++ >= CYCLES_MAX) {
          sb.append("<p>").append(cycles.size() - CYCLES_MAX).append(" more cycles are in result.json.</p>\n");
          break;
        }
        sb.append("<figure style=\"display:inline-block;margin:8px\">").append(CycleGraph.svg(c))
            .append("<figcaption>").append(esc(String.valueOf(c.get("type")))).append("</figcaption></figure>\n");
      }
    }

    sb.append("<h2>Faults</h2>\n");
    if (faults.isEmpty()) {
      sb.append("<p>No faults were injected.</p>\n");
    } else {
      sb.append("<table><tr><th>kind</th><th>nodes</th><th>start (s)</th><th>end (s)</th></tr>");
      for (FaultInterval f : faults) {
        sb.append("<tr><td>").append(esc(f.kind())).append("</td><td>").append(esc(String.join(", ", f.nodes())))
            .append("</td><td>").append(fmt(f.startNs() / 1e9)).append("</td><td>")
            .append(f.endNs() < 0 ? "never healed" : fmt(f.endNs() / 1e9)).append("</td></tr>");
      }
      sb.append("</table>\n");
    }
    sb.append("</body></html>\n");
    return sb.toString();
  }

  private static void latencyChart(StringBuilder sb, List<Point> points, int stride, double endS,
      List<FaultInterval> faults, Map<String, String> colours, Set<Long> witness) {
    double lo = 1e9;
    double hi = 0;
    for (Point p : points) {
      lo = Math.min(lo, p.latencyMs());
      hi = Math.max(hi, p.latencyMs());
    }
    if (points.isEmpty()) { lo = 0.1; hi = 1000; }
    double logLo = Math.floor(Math.log10(Math.max(lo, 1e-3)));
    double logHi = Math.max(logLo + 1, Math.ceil(Math.log10(Math.max(hi, 1e-3))));
    openSvg(sb);
    shadeFaults(sb, faults, endS, colours);
    for (double e = logLo; e <= logHi; e++) {
      double y = yLog(Math.pow(10, e), logLo, logHi);
      sb.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"").append(fmt(y))
          .append("\" y2=\"").append(fmt(y)).append("\" stroke=\"#eee\"/>")
          .append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(fmt(y + 4)).append("\" text-anchor=\"end\" font-size=\"11\">")
          .append(latencyLabel(Math.pow(10, e))).append("</text>\n");
    }
    xAxis(sb, endS, "time (s)");
    for (int i = 0; i < points.size(); i++) {
      Point p = points.get(i);
      boolean isWitness = witness.contains(p.invokeIndex()) || witness.contains(p.completionIndex());
      if (i % stride != 0 && !isWitness) continue;
      double x = xOf(p.tS(), endS);
      double y = yLog(p.latencyMs(), logLo, logHi);
      marker(sb, p.type(), x, y);
      if (isWitness) {
        sb.append("<circle cx=\"").append(fmt(x)).append("\" cy=\"").append(fmt(y))
            .append("\" r=\"6\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.5\"><title>witness: op ")
            .append(p.invokeIndex()).append(" ").append(esc(p.f())).append("</title></circle>");
      }
    }
    sb.append("<text x=\"14\" y=\"").append(TOP + (HEIGHT - TOP - BOTTOM) / 2)
        .append("\" font-size=\"11\" transform=\"rotate(-90 14 ").append(TOP + (HEIGHT - TOP - BOTTOM) / 2)
        .append(")\" text-anchor=\"middle\">latency</text>\n</svg>\n");
  }

  private static void throughputChart(StringBuilder sb, List<Point> points, double endS,
      List<FaultInterval> faults, Map<String, String> colours) {
    int buckets = (int) Math.ceil(endS) + 1;
    Map<OpType, int[]> counts = new HashMap<>();
    for (OpType t : List.of(OpType.OK, OpType.FAIL, OpType.INFO)) counts.put(t, new int[buckets]);
    int max = 1;
    for (Point p : points) {
      int b = (int) Math.min(buckets - 1, Math.floor(p.tS() + p.latencyMs() / 1000));
      int[] c = counts.get(p.type());
      c[b]++;
      max = Math.max(max, c[b]);
    }
    openSvg(sb);
    shadeFaults(sb, faults, endS, colours);
    for (int i = 0; i <= 4; i++) {
      double v = max * i / 4.0;
      double y = HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * i / 4.0;
      sb.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"").append(fmt(y))
          .append("\" y2=\"").append(fmt(y)).append("\" stroke=\"#eee\"/><text x=\"").append(LEFT - 6).append("\" y=\"")
          .append(fmt(y + 4)).append("\" text-anchor=\"end\" font-size=\"11\">").append(Math.round(v)).append("</text>\n");
    }
    xAxis(sb, endS, "time (s)");
    String[] colour = {"#1f77b4", "#d62728", "#ff7f0e"};
    int k = 0;
    for (OpType t : List.of(OpType.OK, OpType.FAIL, OpType.INFO)) {
      int[] c = counts.get(t);
      StringBuilder path = new StringBuilder();
      for (int b = 0; b < buckets; b++) {
        double x = xOf(b + 0.5, endS);
        double y = HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (double) c[b] / max;
        path.append(b == 0 ? "M" : "L").append(fmt(x)).append(',').append(fmt(y));
      }
      sb.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"").append(colour[k++])
          .append("\" stroke-width=\"1.5\"><title>").append(t.label()).append("/s</title></path>\n");
    }
    sb.append("</svg>\n<div class=\"legend\"><span style=\"color:#1f77b4\">&#9472; ok/s</span>")
        .append("<span style=\"color:#d62728\">&#9472; fail/s</span><span style=\"color:#ff7f0e\">&#9472; info/s</span></div>\n");
  }

  /** A line of the samples, the y axis from zero, so that growth reads as a climb and a flat log as a level line. */
  private static void walBytesChart(StringBuilder sb, List<WalSample> samples, double endS,
      List<FaultInterval> faults, Map<String, String> colours) {
    long max = 1;
    for (WalSample w : samples) max = Math.max(max, w.bytes());
    openSvg(sb);
    shadeFaults(sb, faults, endS, colours);
    for (int i = 0; i <= 4; i++) {
      double y = HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * i / 4.0;
      sb.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"").append(fmt(y))
          .append("\" y2=\"").append(fmt(y)).append("\" stroke=\"#eee\"/><text x=\"").append(LEFT - 6).append("\" y=\"")
          .append(fmt(y + 4)).append("\" text-anchor=\"end\" font-size=\"11\">").append(bytesLabel(max * i / 4.0)).append("</text>\n");
    }
    xAxis(sb, endS, "time (s)");
    StringBuilder path = new StringBuilder();
    for (WalSample w : samples) {
      double x = xOf(w.tMs() / 1e3, endS);
      double y = HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (double) w.bytes() / max;
      path.append(path.length() == 0 ? "M" : "L").append(fmt(x)).append(',').append(fmt(y));
    }
    WalSample last = samples.get(samples.size() - 1);
    sb.append("<path d=\"").append(path).append("\" fill=\"none\" stroke=\"#2a9d8f\" stroke-width=\"1.5\"><title>wal_bytes, last ")
        .append(bytesLabel(last.bytes())).append(" at ").append(fmt(last.tMs() / 1e3)).append(" s</title></path>\n");
    sb.append("</svg>\n<div class=\"legend\"><span style=\"color:#2a9d8f\">&#9472; WAL segment bytes, all nodes summed, sampled every second</span></div>\n");
  }

  private static String bytesLabel(double bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < units.length - 1) {
      bytes /= 1024;
      u++;
    }
    return (u == 0 ? String.valueOf(Math.round(bytes)) : String.format(Locale.ROOT, "%.1f", bytes)) + " " + units[u];
  }

  private static void openSvg(StringBuilder sb) {
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
        .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT).append("\">\n");
  }

  private static void shadeFaults(StringBuilder sb, List<FaultInterval> faults, double endS, Map<String, String> colours) {
    for (FaultInterval f : faults) {
      double x0 = xOf(f.startNs() / 1e9, endS);
      double x1 = xOf(f.endNs() < 0 ? endS : f.endNs() / 1e9, endS);
      sb.append("<rect x=\"").append(fmt(x0)).append("\" y=\"").append(TOP).append("\" width=\"")
          .append(fmt(Math.max(1, x1 - x0))).append("\" height=\"").append(HEIGHT - TOP - BOTTOM).append("\" fill=\"")
          .append(colours.get(f.kind())).append("\" opacity=\"0.35\"><title>").append(esc(f.kind())).append(' ')
          .append(esc(String.join(",", f.nodes()))).append("</title></rect>")
          .append("<text x=\"").append(fmt(x0 + 2)).append("\" y=\"").append(TOP + 10).append("\" font-size=\"10\">")
          .append(esc(f.kind())).append(' ').append(esc(String.join(",", f.nodes()))).append("</text>\n");
    }
  }

  private static void xAxis(StringBuilder sb, double endS, String label) {
    int y = HEIGHT - BOTTOM;
    sb.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(WIDTH - RIGHT).append("\" y1=\"").append(y)
        .append("\" y2=\"").append(y).append("\" stroke=\"#888\"/>");
    double step = niceStep(endS / 10);
    for (double t = 0; t <= endS + 1e-9; t += step) {
      double x = xOf(t, endS);
      sb.append("<text x=\"").append(fmt(x)).append("\" y=\"").append(y + 16).append("\" text-anchor=\"middle\" font-size=\"11\">")
          .append(fmt(t)).append("</text>");
    }
    sb.append("<text x=\"").append((LEFT + WIDTH - RIGHT) / 2).append("\" y=\"").append(HEIGHT - 6)
        .append("\" text-anchor=\"middle\" font-size=\"11\">").append(label).append("</text>\n");
  }

  private static void marker(StringBuilder sb, OpType type, double x, double y) {
    switch (type) {
      case OK:
        sb.append("<circle cx=\"").append(fmt(x)).append("\" cy=\"").append(fmt(y)).append("\" r=\"1.6\" fill=\"#1f77b4\" opacity=\"0.6\"/>");
        break;
      case FAIL:
        sb.append("<path d=\"M").append(fmt(x - 3)).append(',').append(fmt(y - 3)).append("l6,6m0,-6l-6,6\" stroke=\"#d62728\" stroke-width=\"1.2\"/>");
        break;
      default:
        sb.append("<path d=\"M").append(fmt(x)).append(',').append(fmt(y - 4)).append("l3.5,6h-7z\" fill=\"#ff7f0e\"/>");
    }
    sb.append('\n');
  }

  private static double xOf(double tS, double endS) {
    return LEFT + (WIDTH - LEFT - RIGHT) * Math.max(0, Math.min(1, tS / endS));
  }

  private static double yLog(double ms, double logLo, double logHi) {
    double f = (Math.log10(Math.max(ms, 1e-3)) - logLo) / (logHi - logLo);
    return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * Math.max(0, Math.min(1, f));
  }

  private static double niceStep(double raw) {
    double mag = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
    for (double m : new double[] {1, 2, 5, 10}) if (m * mag >= raw) return m * mag;
    return 10 * mag;
  }

  private static String latencyLabel(double ms) {
    if (ms >= 1000) return fmt(ms / 1000) + " s";
    return (ms >= 1 ? String.valueOf(Math.round(ms)) : fmt(ms)) + " ms";
  }

  private static void row(StringBuilder sb, String k, String vHtml) {
    sb.append("<tr><th>").append(esc(k)).append("</th><td>").append(vHtml).append("</td></tr>");
  }

  private static String fmt(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e12) return String.valueOf((long) v);
    return String.format(Locale.ROOT, "%.2f", v);
  }

  static String esc(String s) {
    if (s == null) return "";
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<': out.append("&lt;"); break;
        case '>': out.append("&gt;"); break;
        case '&': out.append("&amp;"); break;
        case '"': out.append("&quot;"); break;
        default: out.append(c);
      }
    }
    return out.toString();
  }
}
