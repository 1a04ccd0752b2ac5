package io.github.agentmemory.redis.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.ResilientRedisTemplate;
import io.github.agentmemory.redis.autoconfigure.AgentMemoryRedisProperties;
import io.github.agentmemory.redis.recovery.journal.JournalSync;
import io.lettuce.core.RedisURI;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * The benchmark harness: one JVM, one redis-server of its own on a free loopback port.
 * Every request loop is bounded in count and time and stops by itself. See
 * benchmarks/README.md for the command and the options.
 */
public final class BenchmarkMain {

	private BenchmarkMain() {
	}

	public static void main(String[] args) throws Exception {
		for (String arg : args) {
			if (arg.startsWith(StartupSection.PROBE)) {
				int port = 0;
				for (String other : args) {
					if (other.startsWith("--port=")) {
						port = Integer.parseInt(other.substring("--port=".length()));
					}
				}
				StartupSection.probe(arg.substring(StartupSection.PROBE.length()), port);
				System.exit(0);
			}
		}
		Options options = Options.parse(args);
		Contexts.EXTRA.putAll(options.properties);
		long started = System.nanoTime();
		StringBuilder report = new StringBuilder();
		header(report, options);
		System.out.print(report);

		Workload workload = new Workload();
		LoadSection load = null;
		FailFastSection failFast = null;
		RecoverySection recovery = null;
		RecoverySection recoveryCoalesced = null;
		RecoverySection recoveryCompiled = null;
		JournalQueueSection journalQueue = null;
		StartupSection startup = null;
		try (RedisProcess redis = new RedisProcess()) {
			redis.start();
			if (options.sections.contains("load")) {
				System.out.println("== load");
				load = runLoad(options, redis, workload);
			}
			if (options.sections.contains("failfast")) {
				System.out.println("== fail-fast");
				failFast = new FailFastSection(options, redis, workload);
				failFast.run();
			}
			if (options.sections.contains("recovery")) {
				for (int i = 0; i < options.drainWarmups; i++) {
					System.out.println("== recovery drain, warm-up " + (i + 1) + " (not reported)");
					new RecoverySection(options, redis, null, "warm-up").run();
				}
				System.out.println("== recovery drain");
				recovery = new RecoverySection(options, redis, null,
						(options.drainWarmups == 0) ? "defaults, first drain of the JVM" : "defaults, after warm-ups");
				recovery.run();
				System.out.println("== recovery drain, compiled");
				recoveryCompiled = new RecoverySection(options, redis, null, "defaults, JIT-compiled (drains before it)");
				recoveryCompiled.run();
				if (options.coalescing) {
					System.out.println("== recovery drain with the other flush strategy");
					boolean byDefault = new AgentMemoryRedisProperties().getFlushConsolidation().isEnabled();
					recoveryCoalesced = new RecoverySection(options, redis, !byDefault,
							"flush consolidation " + (byDefault ? "off" : "on") + ", JIT-compiled");
					recoveryCoalesced.run();
				}
			}
			if (options.sections.contains("journal-queue")) {
				System.out.println("== recovery journal in the write path");
				journalQueue = new JournalQueueSection(options, redis);
				journalQueue.run();
			}
			if (options.sections.contains("startup")) {
				System.out.println("== startup");
				startup = new StartupSection(options, redis);
				startup.run();
			}
		}
		StringBuilder body = new StringBuilder();
		targets(body, load, failFast, recovery, recoveryCompiled, journalQueue, startup, options);
		if (load != null) {
			load.report(body);
			coalescing(body, load, options);
		}
		if (failFast != null) {
			failFast.report(body);
		}
		if (recovery != null) {
			recovery.report(body);
		}
		if (recoveryCompiled != null) {
			recoveryCompiled.report(body);
		}
		if (recoveryCoalesced != null) {
			recoveryCoalesced.report(body);
		}
		if (journalQueue != null) {
			journalQueue.report(body);
		}
		if (startup != null) {
			startup.report(body);
		}
		body.append(Stats.f("Whole run: %.0f s; load average at the end: %s.\n", (System.nanoTime() - started) / 1e9,
				loadAverage()));
		report.append(body);
		System.out.println();
		System.out.print(body);
		Path out = Path.of(options.out);
		if (out.getParent() != null) {
			Files.createDirectories(out.getParent());
		}
		Files.writeString(out, report, StandardCharsets.UTF_8);
		System.out.println("Report written to " + out.toAbsolutePath());
		System.exit(0);
	}

	private static LoadSection runLoad(Options options, RedisProcess redis, Workload workload) throws Exception {
		RedisURI uri = RedisURI.create(redis.host(), redis.port());
		List<BenchClient> clients = new ArrayList<>();
		ClientResources coalescingResources = null;
		ClientResources rawResources = null;
		ClientResources readOnlyResources = null;
		ConfigurableApplicationContext context = Contexts.start(Contexts.UserSetup.class,
				Contexts.userProperties(redis.host(), redis.port()));
		ConfigurableApplicationContext flipped = null;
		try {
			// raw Lettuce without a command-latency recorder (LatencyUtils, which would switch on Lettuce's
			// own collector, is on this classpath because of the actuator)
			rawResources = DefaultClientResources.builder()
				.commandLatencyRecorder(CommandLatencyRecorder.disabled())
				.build();
			Clients.LettuceAsync lettuce = new Clients.LettuceAsync(LoadSection.BASELINE, workload, uri, rawResources,
					false);
			clients.add(lettuce);
			LoadSection.populate(workload, lettuce.commandsForSetup());
			clients.add(new Clients.LettuceOnBootConnection(LoadSection.BOOT_CONNECTION, workload,
					context.getBean(LettuceConnectionFactory.class)));
			clients.add(new Clients.TemplateAsync(LoadSection.TEMPLATE, workload,
					context.getBean(AsyncResilientRedisTemplate.class)));
			clients.add(new Clients.Reactive(workload, context.getBean(ReactiveStringRedisTemplate.class)));
			clients.add(new Clients.RedissonAsync(workload, redis.host(), redis.port(), options.redissonPool));
			if (options.coalescing) {
				coalescingResources = DefaultClientResources.builder()
					.commandLatencyRecorder(CommandLatencyRecorder.disabled())
					.nettyCustomizer(new NettyCustomizer() {
					@Override
					public void afterChannelInitialized(Channel channel) {
						channel.pipeline().addFirst(new FlushConsolidationHandler(256, true));
					}
					})
					.build();
				clients.add(new Clients.LettuceAsync(LoadSection.COALESCING, workload, uri, coalescingResources,
						false));
				// the handler that consolidates only the flushes made while a read is in progress
				readOnlyResources = DefaultClientResources.builder()
					.commandLatencyRecorder(CommandLatencyRecorder.disabled())
					.nettyCustomizer(new NettyCustomizer() {
						@Override
						public void afterChannelInitialized(Channel channel) {
							channel.pipeline().addFirst(new FlushConsolidationHandler(256, false));
						}
					})
					.build();
				clients.add(new Clients.LettuceAsync(LoadSection.COALESCING_IN_READS, workload, uri, readOnlyResources,
						false));
				// the template with the other flush strategy than its default
				boolean consolidatesByDefault = context.containsBean(FLUSH_CUSTOMIZER);
				Map<String, Object> properties = Contexts.userProperties(redis.host(), redis.port());
				properties.put("agent-memory.redis.flush-consolidation.enabled", !consolidatesByDefault);
				flipped = Contexts.start(Contexts.UserSetup.class, properties);
				clients.add(new Clients.TemplateAsync(
						consolidatesByDefault ? LoadSection.TEMPLATE_NO_FLUSH : LoadSection.TEMPLATE_FLUSH, workload,
						flipped.getBean(AsyncResilientRedisTemplate.class)));
			}
			clients.add(new Clients.LettuceAsync(LoadSection.BASELINE_BLOCKING, workload, uri, rawResources, true));
			clients.add(new Clients.TemplateBlocking(workload, context.getBean(ResilientRedisTemplate.class)));
			LoadSection load = new LoadSection(options, redis, workload, clients);
			load.consolidatesByDefault = context.containsBean(FLUSH_CUSTOMIZER);
			load.run();
			return load;
		}
		finally {
			for (BenchClient client : clients) {
				client.close();
			}
			for (ClientResources resources : new ClientResources[] { coalescingResources, rawResources,
					readOnlyResources }) {
				if (resources != null) {
					resources.shutdown(0, 2, TimeUnit.SECONDS);
				}
			}
			if (flipped != null) {
				flipped.close();
			}
			context.close();
		}
	}

	private static final String FLUSH_CUSTOMIZER = "agentMemoryRedisFlushConsolidationCustomizer";

	private static void header(StringBuilder out, Options options) {
		out.append("## Benchmark results\n\n");
		out.append(Stats.f("- Date: %s\n", LocalDate.now()));
		out.append(Stats.f("- Machine: %d cores (`nproc`), %s, %s MiB RAM; %s\n",
				Runtime.getRuntime().availableProcessors(), cpuModel(), memoryMiB(), osName()));
		out.append(Stats.f("- JDK: %s %s (%s), heap max %d MiB, GC: %s\n", System.getProperty("java.vm.name"),
				System.getProperty("java.runtime.version"), System.getProperty("java.vm.vendor"),
				Runtime.getRuntime().maxMemory() >> 20, gcNames()));
		out.append(Stats.f("- Load average when the run started (`/proc/loadavg`): %s — the machine is shared; other "
				+ "processes' load hits all clients alike within a round, not across rounds\n", loadAverage()));
		out.append("- Server: redis-server 6.2.6 from `com.github.codemonstur:embedded-redis:1.4.3`, on 127.0.0.1, "
				+ "no persistence, same machine (it competes for the 2 cores)\n");
		out.append(Stats.f("- Command: `java %s -jar benchmarks/target/benchmarks.jar %s`%s\n",
				String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()),
				String.join(" ", options.args), options.quick ? " (quick mode: indicative only)" : ""));
		out.append("- Workload: 10,000 keys per type; SET/GET 100-byte values; HSET of 4 fields of 100 bytes; "
				+ "HGETALL of those; ZADD of one 100-byte member (sets of 10); ZRANGEBYSCORE returning 5 members. "
				+ "Closed loop: each of C slots sends its next request when its previous one completes, "
				+ "all over one connection per client.\n");
		out.append(Stats.f("- Clients: `lettuce` (baseline: `RedisClient.create`, StringCodec, Lettuce defaults); "
				+ "`lettuce-boot-conn` (Lettuce async on the very connection the template uses: Boot's "
				+ "LettuceConnectionFactory with the starter's fail-fast options, byte[] codec); `template-async` "
				+ "(AsyncResilientRedisTemplate from a Boot context); `spring-reactive` (ReactiveStringRedisTemplate); "
				+ "`redisson` (Redisson 3.52.0 async, StringCodec, connection pool of %d); %s"
				+ "at C=1 also `lettuce-sync` (baseline of blocking clients) and `template-blocking` "
				+ "(ResilientRedisTemplate).\n\n", options.redissonPool,
				options.coalescing ? "`lettuce-flush-consolidation` (the baseline plus Netty's "
						+ "FlushConsolidationHandler(256, true) installed with a NettyCustomizer); " : ""));
	}

	private static void targets(StringBuilder out, LoadSection load, FailFastSection failFast,
			RecoverySection recovery, RecoverySection recoveryCompiled, JournalQueueSection journalQueue,
			StartupSection startup, Options options) {
		out.append("### Targets\n\n");
		if (load != null) {
			loadTargets(out, load, options);
		}
		out.append("| target | figure | met? |\n|---|---|---|\n");
		if (failFast != null) {
			double get = failFast.openGet.getValueAtPercentile(50) / 1e3;
			double set = failFast.openSet.getValueAtPercentile(50) / 1e3;
			out.append(Stats.f("| open-circuit call median ≤ 5 µs | get %s µs, set %s µs (p99 %s / %s µs) | %s |\n",
					Stats.num(get), Stats.num(set), Stats.num(failFast.openGet.getValueAtPercentile(99) / 1e3),
					Stats.num(failFast.openSet.getValueAtPercentile(99) / 1e3), met(get <= 5 && set <= 5)));
		}
		if (failFast != null) {
			double late = failFast.lateGetNanos / 1e6;
			out.append(Stats.f("| 5. a GET issued 0.5 s after SIGKILL completes exceptionally ≤ 1.6 s after the kill "
					+ "(defaults) | %s ms (%s) | %s |\n", Stats.num(late), failFast.lateGetError,
					met(late <= 1600 && !failFast.lateGetError.startsWith("none"))));
			out.append(Stats.f("| 5. calls in flight at the kill end within the command timeout (2 s) | %s ms | %s |\n",
					Stats.num(failFast.inFlightAtKillNanos / 1e6), met(failFast.inFlightAtKillNanos / 1e6 <= 2000)));
		}
		if (recovery != null) {
			out.append(Stats.f("| 3. drain ≥ 150k writes/s, first drain of a JVM | %s writes/s | %s |\n",
					Stats.num(recovery.drainPerSecond()), met(recovery.drainPerSecond() >= 150_000)));
			if (recoveryCompiled != null) {
				out.append(Stats.f("| 3. drain ≥ 300k writes/s, JIT-compiled | %s writes/s | %s |\n",
						Stats.num(recoveryCompiled.drainPerSecond()),
						met(recoveryCompiled.drainPerSecond() >= 300_000)));
			}
			for (RecoverySection r : new RecoverySection[] { recovery, recoveryCompiled }) {
				if (r != null) {
					out.append(Stats.f("| 3. first replay ≤ open-state wait (1 s) + poll interval (1 s) after Redis "
							+ "answers again | %s ms after the restart | %s |\n",
							Stats.num(r.restartToFirstNanos / 1e6), met(r.restartToFirstNanos / 1e6 <= 2000)));
				}
			}
			out.append(Stats.f("| 4. ≤ 300 bytes heap per queued 100-byte write | %s bytes | %s |\n",
					Stats.num(recovery.bytesPerEntry()), met(recovery.bytesPerEntry() <= 300)));
		}
		if (journalQueue != null) {
			double queued = journalQueue.median(JournalSync.PROCESS_CRASH, JournalQueueSection.Cell::queuedPerSecond);
			double queuedPowerLoss = journalQueue.median(JournalSync.POWER_LOSS, JournalQueueSection.Cell::queuedPerSecond);
			out.append(Stats.f("| ≥ 50,000 QUEUED writes/s into the journal with `PROCESS_CRASH` | %s writes/s (`POWER_LOSS`: %s) | %s |\n",
					Stats.num(queued), Stats.num(queuedPowerLoss), met(queued >= 50_000)));
			double drain = journalQueue.median(JournalSync.PROCESS_CRASH, JournalQueueSection.Cell::drainPerSecond);
			double drainPowerLoss = journalQueue.median(JournalSync.POWER_LOSS, JournalQueueSection.Cell::drainPerSecond);
			out.append(Stats.f("| drain from the journal ≥ 200,000 writes/s with `PROCESS_CRASH` | %s writes/s (`POWER_LOSS`: %s) | %s |\n",
					Stats.num(drain), Stats.num(drainPowerLoss), met(drain >= 200_000)));
			double own = journalQueue.median(JournalSync.PROCESS_CRASH, JournalQueueSection.Cell::journalHeapPerWrite);
			double whole = journalQueue.median(JournalSync.PROCESS_CRASH, JournalQueueSection.Cell::heapPerWrite);
			out.append(Stats.f("| heap ≤ 100 bytes per journaled queued write | the journal's own %s bytes; the whole queue %s bytes (the in-memory queue still holds every queued write) | journal: %s; whole queue: %s |\n",
					Stats.num(own), Stats.num(whole), met(own <= 100), met(whole <= 100)));
		}
		if (startup != null) {
			double beans = Stats.median(startup.coldStarterBeans);
			out.append(Stats.f("| startup adds ≤ 50 ms | cold: starter's beans %s ms; wall-clock difference %s ms (noise %s…%s); warm %s ms | %s |\n",
					Stats.num(beans), Stats.num(startup.coldAddedMillis()),
					Stats.num(Stats.min(startup.coldPairDifferences)), Stats.num(Stats.max(startup.coldPairDifferences)),
					Stats.num(startup.warmAddedMillis()), met(beans <= 50 && startup.warmAddedMillis() <= 50)));
			out.append(Stats.f("| startup opens no connection | listener %d, redis-server %d | %s |\n",
					startup.listenerConnections, startup.redisConnectionsOnStart,
					met(startup.listenerConnections == 0 && startup.redisConnectionsOnStart == 0)));
		}
		out.append('\n');
	}

	private static double medianRatio(LoadSection load, Workload.Op op, int c, String client, String base,
			boolean latency) {
		return Stats.median(load.ratios(op, c, client, base, latency));
	}

	private static double cpu(LoadSection load, Workload.Op op, int c, String client) {
		return Stats.median(load.results(op, c, client).stream().map(LoadRunner.CellResult::cpuMicrosPerOp).toList());
	}

	private static void loadTargets(StringBuilder out, LoadSection load, Options options) {
		String t = LoadSection.TEMPLATE;
		out.append("Medians over rounds of the per-round ratios (min–max in the tables below).\n\n");
		out.append("**1. Resilience at no cost**: `template-async` vs Lettuce on the template's own connection "
				+ "(`lettuce-boot-conn`: same client resources, same latency recorder, same flush strategy): ops/s ≥ "
				+ "0.95×, p99 ≤ 1.10×, client CPU ≤ +0.5 µs/op. Raw Lettuce (`lettuce`) ratios for reference.\n\n");
		out.append("| cell | ops/s × | p99 × | +CPU µs/op | met? | vs `lettuce`: ops/s ×, p99 × |\n"
				+ "|---|---:|---:|---:|---|---|\n");
		for (int c : new int[] { 16, 256 }) {
			for (Workload.Op op : options.ops) {
				if (op.hot() || load.results(op, c, t).isEmpty()) {
					continue;
				}
				double ops = medianRatio(load, op, c, t, LoadSection.BOOT_CONNECTION, false);
				double p99 = medianRatio(load, op, c, t, LoadSection.BOOT_CONNECTION, true);
				double extra = cpu(load, op, c, t) - cpu(load, op, c, LoadSection.BOOT_CONNECTION);
				out.append(Stats.f("| C=%d %s | %.2f | %.2f | %+.2f | %s | %.2f, %.2f |\n", c, op, ops, p99, extra,
						met(ops >= 0.95 && p99 <= 1.10 && extra <= 0.5),
						medianRatio(load, op, c, t, LoadSection.BASELINE, false),
						medianRatio(load, op, c, t, LoadSection.BASELINE, true)));
			}
		}
		out.append('\n');
		String other = load.consolidatesByDefault ? LoadSection.TEMPLATE : LoadSection.TEMPLATE_FLUSH;
		out.append(Stats.f("**2. Default beats raw**: `template-async` (defaults: flush consolidation %s) vs raw "
				+ "Lettuce: ops/s ≥ 1.3× at C=256, ≥ 0.95× at C=1 and C=16, p99 ≤ 1.00×; and the template with flush "
				+ "consolidation (`%s`) vs raw Lettuce with the same handler (`%s`) ≥ 0.95×.\n\n",
				load.consolidatesByDefault ? "on" : "off", other, LoadSection.COALESCING));
		out.append("| op | C=1 ops/s ×, p99 × | C=16 ops/s ×, p99 × | C=256 ops/s ×, p99 × | same handler: C=1, C=16, "
				+ "C=256 ops/s × | met? |\n|---|---|---|---|---|---|\n");
		for (Workload.Op op : options.ops) {
			if (op.hot()) {
				continue;
			}
			double[] ops = new double[3];
			double[] p99 = new double[3];
			double[] same = new double[3];
			int[] cs = { 1, 16, 256 };
			boolean met = true;
			for (int i = 0; i < 3; i++) {
				ops[i] = medianRatio(load, op, cs[i], t, LoadSection.BASELINE, false);
				p99[i] = medianRatio(load, op, cs[i], t, LoadSection.BASELINE, true);
				same[i] = medianRatio(load, op, cs[i], other, LoadSection.COALESCING, false);
				met &= ops[i] >= ((i == 2) ? 1.3 : 0.95) && p99[i] <= 1.0 && same[i] >= 0.95;
			}
			out.append(Stats.f("| %s | %.2f, %.2f | %.2f, %.2f | %.2f, %.2f | %.2f, %.2f, %.2f | %s |\n", op, ops[0],
					p99[0], ops[1], p99[1], ops[2], p99[2], same[0], same[1], same[2], met(met)));
		}
		out.append('\n');
		out.append(Stats.f("**6. Hot key**: %d writers on one key, `template-async` vs raw Lettuce ≥ 0.8× ops/s.\n\n",
				LoadSection.HOT_CONCURRENCY));
		out.append("| op | ops/s × | p99 × | vs `lettuce-boot-conn` | met? |\n|---|---:|---:|---:|---|\n");
		for (Workload.Op op : options.ops) {
			if (!op.hot()) {
				continue;
			}
			int c = LoadSection.HOT_CONCURRENCY;
			double ops = medianRatio(load, op, c, t, LoadSection.BASELINE, false);
			out.append(Stats.f("| %s | %.2f | %.2f | %.2f | %s |\n", op, ops,
					medianRatio(load, op, c, t, LoadSection.BASELINE, true),
					medianRatio(load, op, c, t, LoadSection.BOOT_CONNECTION, false), met(ops >= 0.8)));
		}
		out.append('\n');
	}

	private static void coalescing(StringBuilder out, LoadSection load, Options options) {
		if (!options.coalescing) {
			return;
		}
		out.append("### Flush consolidation on vs off, same client, same round\n\n");
		out.append("Per-round ratios of ops/s (and p99) with Netty's FlushConsolidationHandler to without it, for raw "
				+ "Lettuce (`lettuce-flush-consolidation` / `lettuce`) and for the template (flush on / flush off). "
				+ "At C=1 a round's figure is bimodal on this machine (whether the event loop or the caller thread "
				+ "is woken first), so the table gives the median, the quartiles and how many rounds fell below "
				+ "0.95: a real loss moves the median and the lower quartile, a wake-up effect shows as a few "
				+ "outlying rounds on both sides.\n\n");
		String on = load.consolidatesByDefault ? LoadSection.TEMPLATE : LoadSection.TEMPLATE_FLUSH;
		String off = load.consolidatesByDefault ? LoadSection.TEMPLATE_NO_FLUSH : LoadSection.TEMPLATE;
		out.append("| op | C | Lettuce: ops/s × median [q1–q3] (rounds < 0.95) | p99 × | template: ops/s × median "
				+ "[q1–q3] (rounds < 0.95) | p99 × |\n|---|---:|---|---:|---|---:|\n");
		for (Workload.Op op : options.ops) {
			for (int c : options.concurrency) {
				if (op.hot() && c != LoadSection.HOT_CONCURRENCY) {
					continue;
				}
				List<Double> raw = load.ratios(op, c, LoadSection.COALESCING, LoadSection.BASELINE, false);
				List<Double> tpl = load.ratios(op, c, on, off, false);
				out.append(Stats.f("| %s | %d | %s | %.2f | %s | %.2f |\n", op, c, spread(raw),
						Stats.median(load.ratios(op, c, LoadSection.COALESCING, LoadSection.BASELINE, true)),
						spread(tpl), Stats.median(load.ratios(op, c, on, off, true))));
			}
		}
		out.append('\n');
	}

	private static String spread(List<Double> ratios) {
		if (ratios.isEmpty()) {
			return "n/a";
		}
		List<Double> sorted = ratios.stream().sorted().toList();
		double q1 = sorted.get(sorted.size() / 4);
		double q3 = sorted.get((sorted.size() * 3) / 4 - ((sorted.size() % 4 == 0) ? 1 : 0));
		long below = sorted.stream().filter((r) -> r < 0.95).count();
		return Stats.f("%.2f [%.2f–%.2f] (%d/%d)", Stats.median(ratios), q1, q3, below, ratios.size());
	}

	private static String loadAverage() {
		try {
			String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
			return parts[0] + " " + parts[1] + " " + parts[2];
		}
		catch (Exception ex) {
			return "unknown";
		}
	}

	private static String met(boolean met) {
		return met ? "met" : "**not met**";
	}

	private static String cpuModel() {
		try {
			for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
				if (line.startsWith("model name")) {
					return line.substring(line.indexOf(':') + 1).trim();
				}
			}
		}
		catch (Exception ex) {
			// not Linux
		}
		return "unknown CPU";
	}

	private static String memoryMiB() {
		var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
		return String.valueOf(os.getTotalMemorySize() >> 20);
	}

	private static String osName() {
		return System.getProperty("os.name") + " " + System.getProperty("os.version");
	}

	private static String gcNames() {
		return String.join(", ", ManagementFactory.getGarbageCollectorMXBeans().stream().map((gc) -> gc.getName())
			.toList());
	}

}
