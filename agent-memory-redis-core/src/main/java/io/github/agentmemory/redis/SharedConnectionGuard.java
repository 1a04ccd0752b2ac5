package io.github.agentmemory.redis;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.protocol.ProtocolKeyword;

/**
 * Hands {@code execute} callers the shared connection's commands without the ones that
 * would change the connection for every other caller: transactions and {@code WATCH}
 * (they span commands of other callers), {@code SELECT}/{@code SWAPDB}, {@code AUTH},
 * {@code CLIENT ...}, {@code READONLY}/{@code READWRITE}, {@code RESET}/{@code QUIT},
 * blocking pops (they stall every command behind them), auto-flush control, and access
 * to the underlying connection. A refused command throws
 * {@link IllegalArgumentException} before anything is sent.
 *
 * @author agent-memory-redis
 */
final class SharedConnectionGuard implements InvocationHandler {

	private static final Set<String> REFUSED = Set.of("multi", "exec", "discard", "watch", "unwatch", "select",
			"swapdb", "auth", "readOnly", "readWrite", "reset", "quit", "shutdown", "setAutoFlushCommands",
			"getStatefulConnection", "getConnection", "blpop", "brpop", "brpoplpush", "blmove", "blmpop", "bzpopmin",
			"bzpopmax", "bzmpop", "hello", "setTimeout");

	private static final Set<String> REFUSED_DISPATCH = Set.of("MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH",
			"SELECT", "SWAPDB", "AUTH", "CLIENT", "READONLY", "READWRITE", "RESET", "QUIT", "SHUTDOWN", "HELLO",
			"BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "SUBSCRIBE",
			"PSUBSCRIBE", "SSUBSCRIBE", "MONITOR");

	private final RedisClusterAsyncCommands<byte[], byte[]> target;

	private SharedConnectionGuard(RedisClusterAsyncCommands<byte[], byte[]> target) {
		this.target = target;
	}

	@SuppressWarnings("unchecked")
	static RedisClusterAsyncCommands<byte[], byte[]> guard(RedisClusterAsyncCommands<byte[], byte[]> commands) {
		Set<Class<?>> interfaces = new LinkedHashSet<>();
		for (Class<?> type = commands.getClass(); type != null; type = type.getSuperclass()) {
			interfaces.addAll(Set.of(type.getInterfaces()));
		}
		interfaces.add(RedisClusterAsyncCommands.class);
		return (RedisClusterAsyncCommands<byte[], byte[]>) Proxy.newProxyInstance(
				SharedConnectionGuard.class.getClassLoader(), interfaces.toArray(Class<?>[]::new),
				new SharedConnectionGuard(commands));
	}

	@Override
	public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
		String name = method.getName();
		if (REFUSED.contains(name) || name.startsWith("client")) {
			throw refused(name);
		}
		if (name.equals("dispatch") && args != null && args.length > 0 && args[0] instanceof ProtocolKeyword type
				&& REFUSED_DISPATCH.contains(type.toString().toUpperCase(Locale.ROOT))) {
			throw refused(type.toString());
		}
		try {
			return method.invoke(this.target, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getCause();
		}
	}

	private static IllegalArgumentException refused(String command) {
		return new IllegalArgumentException("'" + command + "' would change the connection that every caller "
				+ "shares, so execute() refuses it; use a connection of your own from the LettuceConnectionFactory");
	}

}
