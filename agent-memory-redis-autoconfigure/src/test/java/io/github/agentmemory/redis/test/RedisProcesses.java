package io.github.agentmemory.redis.test;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import redis.embedded.core.ExecutableProvider;

import static org.awaitility.Awaitility.await;

/**
 * Real {@code redis-server} processes on loopback for the Sentinel and Cluster tests:
 * each runs the binary bundled with {@code com.github.codemonstur:embedded-redis} on a
 * config file of its own, in a directory of its own under one temporary directory.
 * {@link #kill(int)} ends a process with {@code SIGKILL}, as a crash would;
 * {@link #restart(int)} starts it again on the same port and directory (so a cluster
 * node keeps its {@code nodes.conf}). {@link #close()} kills every process and deletes
 * the temporary directory; a shutdown hook does the same if the JVM exits first.
 */
public final class RedisProcesses implements AutoCloseable {

	private static final Duration STARTUP = Duration.ofSeconds(20);

	private static final int CLUSTER_BUS_OFFSET = 10_000;

	private final Path root;

	private final File executable;

	private final Map<Integer, Node> nodes = new LinkedHashMap<>();

	private final RedisClient client;

	private final Thread shutdownHook;

	private boolean closed;

	/**
	 * Create the temporary directory and extract the binary into it.
	 */
	public RedisProcesses() {
		try {
			this.root = Files.createTempDirectory("agent-memory-redis-");
			this.executable = ExecutableProvider.newJarResourceProvider(this.root.toFile()).get();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		this.client = RedisClient.create();
		this.client.setOptions(ClientOptions.builder()
			.autoReconnect(false)
			.socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(1)).build())
			.timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(5)))
			.build());
		this.shutdownHook = new Thread(this::destroyAll, "redis-processes-cleaner");
		Runtime.getRuntime().addShutdownHook(this.shutdownHook);
	}

	/**
	 * Distinct free loopback ports for servers that are killed and started again on the
	 * same port, each with its cluster bus port ({@code port + 10000}) free as well.
	 * Unlike {@link RedisServerExtension#freePort()}, they are drawn below the kernel's
	 * ephemeral range (read from {@code /proc/sys/net/ipv4/ip_local_port_range}), where
	 * no outgoing connection takes them while a node is down, and so that the bus port
	 * stays below it too.
	 * @param count how many
	 * @return the ports
	 */
	public static int[] freePorts(int count) {
		int ephemeralLow = ephemeralRangeStart();
		int low = 10_000;
		int high = Math.max(low + 1_000, ephemeralLow - CLUSTER_BUS_OFFSET);
		java.util.Set<Integer> ports = new java.util.LinkedHashSet<>();
		java.util.Random random = new java.util.Random();
		for (int tries = 0; ports.size() < count; tries++) {
			if (tries > 10_000) {
				throw new IllegalStateException("No free ports between " + low + " and " + high);
			}
			int port = low + random.nextInt(high - low);
			if (canBind(port) && canBind(port + CLUSTER_BUS_OFFSET)) {
				ports.add(port);
			}
		}
		return ports.stream().mapToInt(Integer::intValue).toArray();
	}

	private static int ephemeralRangeStart() {
		try {
			String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
			return Integer.parseInt(range.split("\\s+")[0]);
		}
		catch (IOException | RuntimeException ex) {
			return 32_768;
		}
	}

	private static boolean canBind(int port) {
		try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
			socket.setReuseAddress(false);
			socket.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/**
	 * Start a server (or, with {@code sentinel monitor} lines, a sentinel) on a port and
	 * wait until it answers {@code PING}.
	 * @param port the port
	 * @param sentinel whether to run it as a sentinel
	 * @param settings its {@code redis.conf} lines besides port, bind and dir
	 */
	public synchronized void start(int port, boolean sentinel, List<String> settings) {
		Path dir = this.root.resolve(String.valueOf(port));
		List<String> lines = new ArrayList<>();
		lines.add("port " + port);
		lines.add("bind 127.0.0.1");
		lines.add("protected-mode no");
		lines.add("daemonize no");
		lines.add("dir " + dir);
		lines.add("logfile \"\"");
		lines.addAll(settings);
		try {
			Files.createDirectories(dir);
			Path config = dir.resolve(sentinel ? "sentinel.conf" : "redis.conf");
			Files.write(config, lines, StandardCharsets.UTF_8);
			Node node = new Node(port, sentinel, config, dir.resolve("out.log"), lines);
			this.nodes.put(port, node);
			launch(node);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void launch(Node node) throws IOException {
		List<String> command = new ArrayList<>(List.of(this.executable.getAbsolutePath(), node.config.toString()));
		if (node.sentinel) {
			command.add("--sentinel");
		}
		node.process = new ProcessBuilder(command).directory(node.config.getParent().toFile())
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(node.log.toFile()))
			.start();
		await("redis on port " + node.port + " answering PING").atMost(STARTUP)
			.pollInterval(Duration.ofMillis(50))
			.ignoreExceptions()
			.until(() -> {
				if (!node.process.isAlive()) {
					throw new IllegalStateException("redis-server on port " + node.port + " exited: " + log(node.port));
				}
				return "PONG".equals(ping(node.port));
			});
	}

	private String ping(int port) {
		try (StatefulRedisConnection<String, String> connection = this.client.connect(uri(port))) {
			return connection.sync().ping();
		}
	}

	/**
	 * Kill a process with {@code SIGKILL} and wait until it is gone.
	 * @param port its port
	 */
	public synchronized void kill(int port) {
		Node node = node(port);
		if (node.process != null && node.process.isAlive()) {
			node.process.destroyForcibly();
			try {
				node.process.waitFor(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/**
	 * Start a killed process again, on the same port and directory, with its first
	 * config and optionally more lines (such as {@code replicaof}).
	 * @param port its port
	 * @param extraSettings lines added to the config it was first started with
	 */
	public synchronized void restart(int port, String... extraSettings) {
		Node node = node(port);
		if (isRunning(port)) {
			return;
		}
		try {
			if (!node.sentinel) {
				List<String> lines = new ArrayList<>(node.lines);
				lines.addAll(List.of(extraSettings));
				Files.write(node.config, lines, StandardCharsets.UTF_8);
			}
			launch(node);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Whether the process on a port runs.
	 * @param port its port
	 * @return whether it is alive
	 */
	public synchronized boolean isRunning(int port) {
		Node node = this.nodes.get(port);
		return node != null && node.process != null && node.process.isAlive();
	}

	/**
	 * The ports of the processes started so far, running or not.
	 * @return the ports, in start order
	 */
	public synchronized List<Integer> ports() {
		return List.copyOf(this.nodes.keySet());
	}

	/**
	 * Run admin commands on a server.
	 * @param <T> the result
	 * @param port its port
	 * @param commands what to run
	 * @return their result
	 */
	public <T> T onServer(int port, java.util.function.Function<RedisCommands<String, String>, T> commands) {
		try (StatefulRedisConnection<String, String> connection = this.client.connect(uri(port))) {
			return commands.apply(connection.sync());
		}
	}

	/**
	 * Run admin commands on a sentinel.
	 * @param <T> the result
	 * @param port its port
	 * @param commands what to run
	 * @return their result
	 */
	public <T> T onSentinel(int port, java.util.function.Function<RedisSentinelCommands<String, String>, T> commands) {
		try (StatefulRedisSentinelConnection<String, String> connection = this.client.connectSentinel(uri(port))) {
			return commands.apply(connection.sync());
		}
	}

	/**
	 * The last lines a process printed, for failure messages.
	 * @param port its port
	 * @return its output's tail
	 */
	public String log(int port) {
		try {
			List<String> lines = Files.readAllLines(node(port).log, StandardCharsets.UTF_8);
			return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
		}
		catch (IOException | RuntimeException ex) {
			return "(no log: " + ex + ")";
		}
	}

	private static RedisURI uri(int port) {
		return RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(Duration.ofSeconds(5)).build();
	}

	private Node node(int port) {
		Node node = this.nodes.get(port);
		if (node == null) {
			throw new IllegalArgumentException("No redis process on port " + port);
		}
		return node;
	}

	@Override
	public synchronized void close() {
		if (this.closed) {
			return;
		}
		this.closed = true;
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		destroyAll();
		try {
			Runtime.getRuntime().removeShutdownHook(this.shutdownHook);
		}
		catch (IllegalStateException ex) {
			// the JVM is shutting down: the hook runs anyway
		}
	}

	private synchronized void destroyAll() {
		for (Node node : this.nodes.values()) {
			if (node.process != null) {
				node.process.destroyForcibly();
			}
		}
		for (Node node : this.nodes.values()) {
			if (node.process != null) {
				try {
					node.process.waitFor(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
		}
		deleteRecursively(this.root);
	}

	private static void deleteRecursively(Path path) {
		if (!Files.exists(path)) {
			return;
		}
		try (Stream<Path> files = Files.walk(path)) {
			files.sorted(Comparator.reverseOrder()).forEach((file) -> {
				try {
					Files.deleteIfExists(file);
				}
				catch (IOException ex) {
					// left for the OS's temp cleaner
				}
			});
		}
		catch (IOException ex) {
			// left for the OS's temp cleaner
		}
	}

	private static final class Node {

		final int port;

		final boolean sentinel;

		final Path config;

		final Path log;

		final List<String> lines;

		Process process;

		Node(int port, boolean sentinel, Path config, Path log, List<String> lines) {
			this.port = port;
			this.sentinel = sentinel;
			this.config = config;
			this.log = log;
			this.lines = List.copyOf(lines);
		}

	}

}
