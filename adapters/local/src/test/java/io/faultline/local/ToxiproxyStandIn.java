package io.faultline.local;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for a Toxiproxy server's HTTP API (v2: {@code /version}, {@code /proxies},
 * {@code /proxies/{name}}, {@code /proxies/{name}/toxics[/{toxic}]}, {@code /reset}): it keeps
 * proxies and toxics as Toxiproxy does, answers with the JSON Toxiproxy answers, records every
 * request, and forwards no bytes. Enough to pin what the toxiproxy backend asks for; no substitute
 * for a real server's behaviour on the wire.
 */
final class ToxiproxyStandIn implements AutoCloseable {
  /** One request as received: method, path and body (empty when none). */
  record Request(String method, String path, String body) {
    JsonObject json() { return JsonParser.parseString(body).getAsJsonObject(); }

    @Override public String toString() { return method + " " + path + (body.isEmpty() ? "" : " " + body); }
  }

  private final HttpServer server;
  private final List<Request> requests = new ArrayList<>();
  private final Map<String, JsonObject> proxies = new LinkedHashMap<>();
  private final Map<String, Map<String, JsonObject>> toxics = new LinkedHashMap<>();

  ToxiproxyStandIn() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() { return "127.0.0.1:" + server.getAddress().getPort(); }

  synchronized List<Request> requests() { return List.copyOf(requests); }

  synchronized void clearRequests() { requests.clear(); }

  synchronized Map<String, JsonObject> proxies() { return new LinkedHashMap<>(proxies); }

  /** The toxics of one proxy, by name. */
  synchronized Map<String, JsonObject> toxics(String proxy) { return new LinkedHashMap<>(toxics.getOrDefault(proxy, Map.of())); }

  /** Adds a proxy as if another run had created it. */
  synchronized void addProxy(String name, String listen, String upstream) {
    JsonObject p = new JsonObject();
    p.addProperty("name", name);
    p.addProperty("listen", listen);
    p.addProperty("upstream", upstream);
    p.addProperty("enabled", true);
    proxies.put(name, p);
    toxics.put(name, new LinkedHashMap<>());
  }

  private synchronized void handle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    requests.add(new Request(method, path, body));
    String[] parts = path.replaceAll("^/+|/+$", "").split("/");
    try {
      if (path.equals("/version") && method.equals("GET")) {
        reply(exchange, 200, "2.9.0", "text/plain");
      } else if (path.equals("/reset") && method.equals("POST")) {
        for (Map<String, JsonObject> t : toxics.values()) t.clear();
        reply(exchange, 204, "", null);
      } else if (parts[0].equals("proxies") && parts.length == 1) {
        proxiesRoot(exchange, method, body);
      } else if (parts[0].equals("proxies") && parts.length == 2) {
        proxy(exchange, method, parts[1], body);
      } else if (parts[0].equals("proxies") && parts.length >= 3 && parts[2].equals("toxics")) {
        toxic(exchange, method, parts[1], parts.length == 4 ? parts[3] : null, body);
      } else {
        error(exchange, 404, "not found");
      }
    } catch (RuntimeException e) {
      error(exchange, 400, "bad request: " + e);
    }
  }

  private void proxiesRoot(HttpExchange exchange, String method, String body) throws IOException {
    if (method.equals("GET")) {
      JsonObject all = new JsonObject();
      for (String name : proxies.keySet()) all.add(name, withToxics(name));
      reply(exchange, 200, all.toString(), "application/json");
    } else if (method.equals("POST")) {
      JsonObject in = JsonParser.parseString(body).getAsJsonObject();
      String name = in.get("name").getAsString();
      if (proxies.containsKey(name)) {
        error(exchange, 409, "proxy already exists");
        return;
      }
      String listen = in.get("listen").getAsString();
      for (JsonObject p : proxies.values()) {
        if (p.get("listen").getAsString().equals(listen)) {
          error(exchange, 500, "listen tcp " + listen + ": bind: address already in use");
          return;
        }
      }
      addProxy(name, listen, in.get("upstream").getAsString());
      reply(exchange, 201, withToxics(name).toString(), "application/json");
    } else {
      error(exchange, 405, "method not allowed");
    }
  }

  private void proxy(HttpExchange exchange, String method, String name, String body) throws IOException {
    JsonObject p = proxies.get(name);
    if (p == null) {
      error(exchange, 404, "proxy not found");
      return;
    }
    switch (method) {
      case "GET": reply(exchange, 200, withToxics(name).toString(), "application/json"); break;
      case "POST": {
        JsonObject in = JsonParser.parseString(body).getAsJsonObject();
        for (String k : in.keySet()) p.add(k, in.get(k));
        reply(exchange, 200, withToxics(name).toString(), "application/json");
        break;
      }
      case "DELETE":
        proxies.remove(name);
        toxics.remove(name);
        reply(exchange, 204, "", null);
        break;
      default: error(exchange, 405, "method not allowed");
    }
  }

  private void toxic(HttpExchange exchange, String method, String proxy, String name, String body) throws IOException {
    Map<String, JsonObject> of = toxics.get(proxy);
    if (of == null) {
      error(exchange, 404, "proxy not found");
      return;
    }
    if (name == null && method.equals("GET")) {
      JsonArray all = new JsonArray();
      for (JsonObject t : of.values()) all.add(t);
      reply(exchange, 200, all.toString(), "application/json");
    } else if (name == null && method.equals("POST")) {
      JsonObject in = JsonParser.parseString(body).getAsJsonObject();
      String type = in.get("type").getAsString();
      String stream = in.has("stream") ? in.get("stream").getAsString() : "downstream";
      String toxicName = in.has("name") ? in.get("name").getAsString() : type + "_" + stream;
      if (of.containsKey(toxicName)) {
        error(exchange, 409, "toxic already exists");
        return;
      }
      JsonObject t = new JsonObject();
      t.addProperty("name", toxicName);
      t.addProperty("type", type);
      t.addProperty("stream", stream);
      t.addProperty("toxicity", in.has("toxicity") ? in.get("toxicity").getAsFloat() : 1.0f);
      t.add("attributes", in.has("attributes") ? in.get("attributes").deepCopy() : new JsonObject());
      of.put(toxicName, t);
      reply(exchange, 200, t.toString(), "application/json");
    } else if (name != null && !of.containsKey(name)) {
      error(exchange, 404, "toxic not found");
    } else if (method.equals("GET")) {
      reply(exchange, 200, of.get(name).toString(), "application/json");
    } else if (method.equals("POST")) {
      JsonObject t = of.get(name);
      JsonObject in = JsonParser.parseString(body).getAsJsonObject();
      if (in.has("toxicity")) t.add("toxicity", in.get("toxicity"));
      if (in.has("attributes")) {
        JsonObject attributes = t.getAsJsonObject("attributes");
        for (Map.Entry<String, JsonElement> e : in.getAsJsonObject("attributes").entrySet()) attributes.add(e.getKey(), e.getValue());
      }
      reply(exchange, 200, t.toString(), "application/json");
    } else if (method.equals("DELETE")) {
      of.remove(name);
      reply(exchange, 204, "", null);
    } else {
      error(exchange, 405, "method not allowed");
    }
  }

  private JsonObject withToxics(String name) {
    JsonObject p = proxies.get(name).deepCopy();
    JsonArray list = new JsonArray();
    for (JsonObject t : toxics.get(name).values()) list.add(t);
    p.add("toxics", list);
    return p;
  }

  private static void error(HttpExchange exchange, int status, String message) throws IOException {
    JsonObject e = new JsonObject();
    e.addProperty("error", message);
    e.addProperty("status", status);
    reply(exchange, status, e.toString(), "application/json");
  }

  private static void reply(HttpExchange exchange, int status, String body, String contentType) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    if (contentType != null) exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, status == 204 ? -1 : bytes.length);
    if (status != 204) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
    exchange.close();
  }

  @Override
  public void close() { server.stop(0); }
}
