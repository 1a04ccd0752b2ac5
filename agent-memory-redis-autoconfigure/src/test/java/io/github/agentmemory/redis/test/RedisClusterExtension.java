package io.github.agentmemory.redis.test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Redis Cluster of real processes on loopback for a test class: three masters, each
 * with one replica, the 16384 slots split evenly, {@code cluster-node-timeout 1000}.
 * Before each test a killed node is started again (it rejoins as a replica of the node
 * that took its slots), the cluster is awaited healthy and every master flushed; after
 * all tests every process and the temporary directory are removed.
 *
 * <pre class="code">
 * &#64;RegisterExtension
 * static final RedisClusterExtension cluster = new RedisClusterExtension();
 * </pre>
 */
public final class RedisClusterExtension extends RedisDeploymentExtension {

	/** Number of hash slots of a Redis Cluster. */
	public static final int SLOTS = 16384;

	private static final int MASTERS = 3;

	private final int[] ports = RedisProcesses.freePorts(MASTERS * 2);

	private final List<String> config;

	/**
	 * A cluster with the default configuration.
	 */
	public RedisClusterExtension() {
		this(new String[0]);
	}

	/**
	 * A cluster with more configuration lines for every node, such as
	 * {@code cluster-require-full-coverage no}.
	 * @param config the lines
	 */
	public RedisClusterExtension(String... config) {
		List<String> lines = new ArrayList<>(List.of("save \"\"", "appendonly no", "cluster-enabled yes",
				"cluster-config-file nodes.conf", "cluster-node-timeout 1000"));
		lines.addAll(List.of(config));
		this.config = List.copyOf(lines);
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		this.processes = new RedisProcesses();
		for (int port : this.ports) {
			this.processes.start(port, false, this.config);
		}
		for (int i = 0; i < MASTERS; i++) {
			int[] slots = IntStream.range(i * SLOTS / MASTERS, (i + 1) * SLOTS / MASTERS).toArray();
			this.processes.onServer(this.ports[i], (commands) -> commands.clusterAddSlots(slots));
		}
		for (int i = 1; i < this.ports.length; i++) {
			this.processes.onServer(this.ports[i], (commands) -> commands.clusterMeet("127.0.0.1", this.ports[0]));
		}
		awaitState("every node to know the others").until(() -> Arrays.stream(this.ports)
			.allMatch((port) -> nodes(port).size() == this.ports.length
					&& nodes(port).stream().noneMatch((node) -> node.flags().contains("handshake"))));
		for (int i = 0; i < MASTERS; i++) {
			String masterId = this.processes.onServer(this.ports[i], (commands) -> commands.clusterMyId());
			this.processes.onServer(this.ports[MASTERS + i], (commands) -> commands.clusterReplicate(masterId));
		}
		awaitHealthy();
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		heal();
		for (int master : masterPorts()) {
			this.processes.onServer(master, (commands) -> commands.flushall());
		}
	}

	/**
	 * Start any killed node again and wait until the cluster is healthy.
	 */
	public void heal() {
		for (int port : this.ports) {
			if (!this.processes.isRunning(port)) {
				this.processes.restart(port);
			}
		}
		awaitHealthy();
	}

	/**
	 * Wait until every node says the cluster is ok with all slots served, no node is
	 * flagged failing, there are three masters with slots and each has a replica whose
	 * link is up.
	 */
	public void awaitHealthy() {
		awaitState("a healthy cluster").untilAsserted(() -> {
			for (int port : this.ports) {
				check(this.processes.isRunning(port), "node " + port + " runs");
				String info = this.processes.onServer(port, (commands) -> commands.clusterInfo());
				check(info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:" + SLOTS)
						&& info.contains("cluster_known_nodes:" + this.ports.length), port + ": " + info);
				List<Node> nodes = nodes(port);
				check(nodes.stream().noneMatch((node) -> node.flags().stream().anyMatch((f) -> f.startsWith("fail"))),
						port + " sees a failing node: " + nodes);
				List<Node> masters = nodes.stream().filter(Node::isServingMaster).toList();
				check(masters.size() == MASTERS, port + " sees masters " + masters);
				for (Node master : masters) {
					check(nodes.stream().anyMatch((node) -> master.id().equals(node.masterId())),
							"a replica of " + master + " in " + nodes);
				}
			}
			for (Node replica : nodes(this.ports[0]).stream().filter((node) -> node.flags().contains("slave")).toList()) {
				String info = this.processes.onServer(replica.port(), (commands) -> commands.info("replication"));
				check(info.contains("master_link_status:up"), replica.port() + ": " + info);
			}
		});
	}

	/**
	 * The nodes as one node sees them ({@code CLUSTER NODES}).
	 * @param port the node asked
	 * @return the nodes
	 */
	public List<Node> nodes(int port) {
		String reply = this.processes.onServer(port, (commands) -> commands.clusterNodes());
		return reply.lines().filter((line) -> !line.isBlank()).map(Node::parse).toList();
	}

	/**
	 * The masters serving slots, as the first running node sees them.
	 * @return their ports
	 */
	public List<Integer> masterPorts() {
		return nodes(anyRunningPort()).stream().filter(Node::isServingMaster).map(Node::port).sorted().toList();
	}

	/**
	 * The master serving the slot of a key, as the first running node sees it.
	 * @param key the key
	 * @return its port
	 */
	public int masterOf(String key) {
		int port = anyRunningPort();
		long slot = this.processes.onServer(port, (commands) -> commands.clusterKeyslot(key));
		return nodes(port).stream()
			.filter((node) -> node.isServingMaster() && node.serves((int) slot))
			.findFirst()
			.orElseThrow()
			.port();
	}

	/**
	 * A key whose slot a given master serves.
	 * @param prefix the key's prefix
	 * @param master the master's port
	 * @return the first key {@code prefix + n} served by that master
	 */
	public String keyServedBy(String prefix, int master) {
		int port = anyRunningPort();
		Node node = nodes(port).stream().filter((candidate) -> candidate.port() == master).findFirst().orElseThrow();
		for (int i = 0;; i++) {
			String key = prefix + i;
			long slot = this.processes.onServer(port, (commands) -> commands.clusterKeyslot(key));
			if (node.serves((int) slot)) {
				return key;
			}
		}
	}

	/**
	 * Wait until every running node says the cluster is down.
	 */
	public void awaitClusterDown() {
		awaitState("the cluster to be down").until(() -> Arrays.stream(this.ports)
			.filter(this.processes::isRunning)
			.allMatch((port) -> this.processes.onServer(port, (commands) -> commands.clusterInfo())
				.contains("cluster_state:fail")));
	}

	/**
	 * The replica of a master, as the first running node sees it.
	 * @param master the master's port
	 * @return the replica's port
	 */
	public int replicaOf(int master) {
		List<Node> nodes = nodes(anyRunningPort());
		String masterId = nodes.stream().filter((node) -> node.port() == master).findFirst().orElseThrow().id();
		return nodes.stream().filter((node) -> masterId.equals(node.masterId())).findFirst().orElseThrow().port();
	}

	/**
	 * Kill a master with {@code SIGKILL}.
	 * @param port its port
	 * @return the masters serving slots before it was killed
	 */
	public List<Integer> killMaster(int port) {
		List<Integer> masters = masterPorts();
		check(masters.contains(port), port + " is a master: " + masters);
		this.processes.kill(port);
		return masters;
	}

	/**
	 * Wait until every running node says the cluster is ok with three masters serving
	 * slots, none of them the killed one.
	 * @param mastersBefore the masters before one was killed
	 * @return the port of the replica promoted in place of the killed master
	 */
	public int awaitFailover(List<Integer> mastersBefore) {
		return awaitState("a failover to a replica").until(() -> {
			List<Integer> promoted = null;
			for (int port : this.ports) {
				if (!this.processes.isRunning(port)) {
					continue;
				}
				String info = this.processes.onServer(port, (commands) -> commands.clusterInfo());
				List<Integer> masters = nodes(port).stream().filter(Node::isServingMaster).map(Node::port).toList();
				List<Integer> fresh = masters.stream().filter((master) -> !mastersBefore.contains(master)).toList();
				if (!info.contains("cluster_state:ok") || masters.size() != MASTERS || fresh.size() != 1
						|| (promoted != null && !promoted.equals(fresh))) {
					return null;
				}
				promoted = fresh;
			}
			return (promoted != null) ? promoted.get(0) : null;
		}, (port) -> port != null);
	}

	/**
	 * The keys matching a pattern with their values, read from every serving master
	 * ({@code KEYS} and {@code GET} on each).
	 * @param pattern the pattern
	 * @return key to value, over all masters
	 */
	public Map<String, String> entries(String pattern) {
		Map<String, String> entries = new LinkedHashMap<>();
		for (int master : masterPorts()) {
			// one GET per key: MGET needs all its keys in one slot
			this.processes.onServer(master, (commands) -> {
				for (String key : commands.keys(pattern)) {
					entries.put(key, commands.get(key));
				}
				return null;
			});
		}
		return entries;
	}

	/**
	 * Number of keys matching a pattern on each serving master.
	 * @param pattern the pattern
	 * @return master port to count
	 */
	public Map<Integer, Integer> keyCounts(String pattern) {
		Map<Integer, Integer> counts = new LinkedHashMap<>();
		for (int master : masterPorts()) {
			counts.put(master, this.processes.onServer(master, (commands) -> commands.keys(pattern)).size());
		}
		return counts;
	}

	/**
	 * Spring Boot properties that point at the cluster's nodes.
	 * @return {@code spring.data.redis.cluster.nodes}
	 */
	public String[] springProperties() {
		return new String[] { "spring.data.redis.cluster.nodes=" + loopbackNodes(this.ports) };
	}

	private int anyRunningPort() {
		return Arrays.stream(this.ports).filter(this.processes::isRunning).findFirst().orElseThrow();
	}

	/**
	 * A node as {@code CLUSTER NODES} describes it.
	 * @param id its id
	 * @param port its port
	 * @param flags its flags ({@code myself}, {@code master}, {@code slave}, {@code fail?},
	 * {@code fail}...)
	 * @param masterId the id of its master, {@code -} for a master
	 * @param slots the slot ranges it serves ({@code from-to} or a single slot)
	 */
	public record Node(String id, int port, Set<String> flags, String masterId, List<String> slots) {

		static Node parse(String line) {
			String[] parts = line.trim().split(" ");
			String address = parts[1];
			int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1, address.indexOf('@')));
			List<String> slots = new ArrayList<>(Arrays.asList(parts).subList(8, parts.length));
			return new Node(parts[0], port, Set.of(parts[2].split(",")), parts[3], slots);
		}

		/**
		 * Whether it is a master that serves slots and is not flagged failing.
		 * @return whether it serves
		 */
		public boolean isServingMaster() {
			return this.flags.contains("master") && !this.slots.isEmpty()
					&& this.flags.stream().noneMatch((flag) -> flag.startsWith("fail"));
		}

		/**
		 * Whether it serves a slot.
		 * @param slot the slot
		 * @return whether it serves it
		 */
		public boolean serves(int slot) {
			for (String range : this.slots) {
				if (range.startsWith("[")) {
					continue;
				}
				int dash = range.indexOf('-');
				int from = Integer.parseInt((dash < 0) ? range : range.substring(0, dash));
				int to = (dash < 0) ? from : Integer.parseInt(range.substring(dash + 1));
				if (slot >= from && slot <= to) {
					return true;
				}
			}
			return false;
		}

	}

}
