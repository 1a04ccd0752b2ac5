package io.github.agentmemory.redis.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;

import org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup;
import org.springframework.boot.context.metrics.buffering.StartupTimeline;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.metrics.StartupStep;

/**
 * What the starter adds to an application's start while Redis is down: context start
 * time with and without its auto-configuration, in fresh JVMs (cold: class loading
 * included) and in this JVM (warm), alternating; and proof that starting opens no
 * connection.
 */
final class StartupSection {

	static final String PROBE = "--probe-startup=";

	private final Options options;

	private final RedisProcess redis;

	final List<Double> coldWith = new ArrayList<>();

	final List<Double> coldWithout = new ArrayList<>();

	final List<Double> coldPairDifferences = new ArrayList<>();

	final List<Double> coldCpuWith = new ArrayList<>();

	final List<Double> coldStarterBeans = new ArrayList<>();

	final List<Double> coldCpuWithout = new ArrayList<>();

	final List<Double> warmWith = new ArrayList<>();

	final List<Double> warmWithout = new ArrayList<>();

	int listenerConnections = -1;

	long redisConnectionsOnStart = -1;

	long redisConnectionsOnFirstUse = -1;

	StartupSection(Options options, RedisProcess redis) {
		this.options = options;
		this.redis = redis;
	}

	/**
	 * Child JVM entry: start one context against a closed port and print its time, the
	 * process CPU time so far, and the time spent creating the starter's beans (each
	 * bean's own instantiation step, minus the steps of other beans nested in it).
	 */
	static void probe(String variant, int port) {
		long start = System.nanoTime();
		Class<?> configuration = "with".equals(variant) ? Contexts.BootRedisWithStarter.class
				: Contexts.BootRedisOnly.class;
		BufferingApplicationStartup steps = new BufferingApplicationStartup(20_000);
		ConfigurableApplicationContext context = Contexts
			.builder(new Class<?>[] { configuration }, Contexts.redisAt("127.0.0.1", port))
			.applicationStartup(steps)
			.run();
		long elapsed = System.nanoTime() - start;
		double starterBeansMillis = starterBeanMillis(context, steps);
		System.out.println(Stats.f("PROBE %.3f %d %.3f %.3f", elapsed / 1e6,
				java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime(),
				LoadRunner.processCpuNanos() / 1e6, starterBeansMillis));
		context.close();
	}

	private static double starterBeanMillis(ConfigurableApplicationContext context,
			BufferingApplicationStartup steps) {
		List<StartupTimeline.TimelineEvent> events = steps.getBufferedTimeline().getEvents();
		Map<Long, Long> nestedNanos = new HashMap<>();
		for (StartupTimeline.TimelineEvent event : events) {
			Long parent = event.getStartupStep().getParentId();
			if (parent != null) {
				nestedNanos.merge(parent, event.getDuration().toNanos(), Long::sum);
			}
		}
		long ours = 0;
		for (StartupTimeline.TimelineEvent event : events) {
			if (!"spring.beans.instantiate".equals(event.getStartupStep().getName())) {
				continue;
			}
			String bean = null;
			for (StartupStep.Tag tag : event.getStartupStep().getTags()) {
				if ("beanName".equals(tag.getKey())) {
					bean = tag.getValue();
				}
			}
			if (bean != null && isStarterBean(context, bean)) {
				long own = event.getDuration().toNanos() - nestedNanos.getOrDefault(event.getStartupStep().getId(), 0L);
				ours += own;
				System.out.println(Stats.f("BEAN %-90s %8.3f ms", bean, own / 1e6));
			}
		}
		return ours / 1e6;
	}

	private static boolean isStarterBean(ConfigurableApplicationContext context, String bean) {
		if (bean.startsWith("io.github.agentmemory") || bean.startsWith("agent-memory.redis")) {
			return true;
		}
		if (!context.getBeanFactory().containsBeanDefinition(bean)) {
			return false;
		}
		String factory = context.getBeanFactory().getBeanDefinition(bean).getFactoryBeanName();
		return factory != null && factory.startsWith("io.github.agentmemory");
	}

	void run() throws Exception {
		int closedPort = RedisProcess.freePort();
		child("with", closedPort);
		child("without", closedPort);
		for (int i = 0; i < this.options.coldPairs; i++) {
			boolean withFirst = i % 2 == 0;
			double[] pair = new double[4];
			for (int j = 0; j < 2; j++) {
				boolean with = (j == 0) == withFirst;
				double[] probe = child(with ? "with" : "without", closedPort);
				if (with) {
					this.coldStarterBeans.add(probe[3]);
				}
				(with ? this.coldWith : this.coldWithout).add(probe[0]);
				(with ? this.coldCpuWith : this.coldCpuWithout).add(probe[2]);
				pair[with ? 0 : 1] = probe[0];
			}
			this.coldPairDifferences.add(pair[0] - pair[1]);
		}
		Map<String, Object> down = Contexts.redisAt("127.0.0.1", closedPort);
		int unmeasured = Math.max(1, this.options.warmStarts / 2);
		for (int i = 0; i < unmeasured + this.options.warmStarts; i++) {
			boolean measured = i >= unmeasured;
			boolean withFirst = i % 2 == 0;
			for (int j = 0; j < 2; j++) {
				boolean with = (j == 0) == withFirst;
				long start = System.nanoTime();
				ConfigurableApplicationContext context = Contexts
					.start(with ? Contexts.BootRedisWithStarter.class : Contexts.BootRedisOnly.class, down);
				long elapsed = System.nanoTime() - start;
				context.close();
				if (measured) {
					(with ? this.warmWith : this.warmWithout).add(elapsed / 1e6);
				}
			}
		}
		checkListener();
		checkRealServer();
	}

	private double[] child(String variant, int port) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>();
		command.add(ProcessHandle.current().info().command().orElse("java"));
		String launched = System.getProperty("sun.java.command", "");
		String first = launched.split(" ")[0];
		if (first.endsWith(".jar")) {
			command.add("-jar");
			command.add(first);
		}
		else {
			command.add("-cp");
			command.add(System.getProperty("java.class.path"));
			command.add(BenchmarkMain.class.getName());
		}
		command.add(PROBE + variant);
		command.add("--port=" + port);
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String result = null;
		StringBuilder all = new StringBuilder();
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			for (String line; (line = reader.readLine()) != null;) {
				all.append(line).append('\n');
				if (line.startsWith("PROBE ")) {
					result = line;
				}
			}
		}
		if (!process.waitFor(60, TimeUnit.SECONDS) || result == null) {
			process.destroyForcibly();
			throw new IllegalStateException("startup probe failed: " + all);
		}
		String[] parts = result.split(" ");
		return new double[] { Double.parseDouble(parts[1]), Double.parseDouble(parts[2]), Double.parseDouble(parts[3]),
				Double.parseDouble(parts[4]) };
	}

	/** Something listens on the configured port and counts who connects. */
	private void checkListener() throws Exception {
		AtomicInteger accepted = new AtomicInteger();
		try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			Thread acceptor = new Thread(() -> {
				while (!listener.isClosed()) {
					try (Socket socket = listener.accept()) {
						accepted.incrementAndGet();
					}
					catch (IOException ex) {
						return;
					}
				}
			}, "bench-listener");
			acceptor.setDaemon(true);
			acceptor.start();
			try (ConfigurableApplicationContext context = Contexts.start(Contexts.BootRedisWithStarter.class,
					Contexts.redisAt("127.0.0.1", listener.getLocalPort()))) {
				context.getBean(AsyncResilientRedisTemplate.class);
				Thread.sleep(1500);
				this.listenerConnections = accepted.get();
			}
		}
	}

	/** A running server: INFO stats counts every connection it ever accepted. */
	private void checkRealServer() throws Exception {
		long before = this.redis.serverStat("stats", "total_connections_received");
		try (ConfigurableApplicationContext context = Contexts.start(Contexts.BootRedisWithStarter.class,
				Contexts.redisAt(this.redis.host(), this.redis.port()))) {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			Thread.sleep(1500);
			long afterStart = this.redis.serverStat("stats", "total_connections_received");
			this.redisConnectionsOnStart = afterStart - before;
			template.ping().get(5, TimeUnit.SECONDS);
			this.redisConnectionsOnFirstUse = this.redis.serverStat("stats", "total_connections_received") - afterStart;
		}
	}

	double coldAddedMillis() {
		return Stats.median(this.coldPairDifferences);
	}

	double warmAddedMillis() {
		return Stats.median(this.warmWith) - Stats.median(this.warmWithout);
	}

	void report(StringBuilder out) {
		out.append("### Startup\n\n");
		out.append("Context start (`SpringApplication.run`, no web server) with Boot's `RedisAutoConfiguration` alone "
				+ "vs. with `AgentMemoryRedisAutoConfiguration` too, Redis down (nothing listens on the port), "
				+ "alternating. Cold: a fresh JVM per start. Warm: repeated in this JVM.\n\n");
		out.append("| measure | without starter | with starter | added |\n|---|---:|---:|---:|\n");
		out.append(Stats.f("| cold start, median of %d (min–max); added: median of paired differences (min–max) | %s ms (%s–%s) | %s ms (%s–%s) | **%s ms** (%s–%s) |\n",
				this.coldWith.size(), Stats.num(Stats.median(this.coldWithout)), Stats.num(Stats.min(this.coldWithout)),
				Stats.num(Stats.max(this.coldWithout)), Stats.num(Stats.median(this.coldWith)),
				Stats.num(Stats.min(this.coldWith)), Stats.num(Stats.max(this.coldWith)),
				Stats.num(coldAddedMillis()), Stats.num(Stats.min(this.coldPairDifferences)),
				Stats.num(Stats.max(this.coldPairDifferences))));
		out.append(Stats.f("| cold start, JVM CPU time until the context is up (all threads, incl. JIT), median | %s ms | %s ms | %s ms |\n",
				Stats.num(Stats.median(this.coldCpuWithout)), Stats.num(Stats.median(this.coldCpuWith)),
				Stats.num(Stats.median(this.coldCpuWith) - Stats.median(this.coldCpuWithout))));
		out.append(Stats.f("| cold start, creating the starter's beans (their own `spring.beans.instantiate` steps, class loading included), median (min–max) | – | %s ms (%s–%s) | **%s ms** |\n",
				Stats.num(Stats.median(this.coldStarterBeans)), Stats.num(Stats.min(this.coldStarterBeans)),
				Stats.num(Stats.max(this.coldStarterBeans)), Stats.num(Stats.median(this.coldStarterBeans))));
		out.append(Stats.f("| warm start, median of %d (min–max) | %s ms (%s–%s) | %s ms (%s–%s) | **%s ms** |\n\n",
				this.warmWith.size(), Stats.num(Stats.median(this.warmWithout)), Stats.num(Stats.min(this.warmWithout)),
				Stats.num(Stats.max(this.warmWithout)), Stats.num(Stats.median(this.warmWith)),
				Stats.num(Stats.min(this.warmWith)), Stats.num(Stats.max(this.warmWith)),
				Stats.num(warmAddedMillis())));
		out.append("| connection check | connections |\n|---|---:|\n");
		out.append(Stats.f("| a plain TCP listener on the configured port, 1.5 s after the context started | %d |\n",
				this.listenerConnections));
		out.append(Stats.f("| running redis-server (`INFO stats` total_connections_received), 1.5 s after start | %d |\n",
				this.redisConnectionsOnStart));
		out.append(Stats.f("| same server, after the first call (`ping()`) | %d |\n\n", this.redisConnectionsOnFirstUse));
	}

}
