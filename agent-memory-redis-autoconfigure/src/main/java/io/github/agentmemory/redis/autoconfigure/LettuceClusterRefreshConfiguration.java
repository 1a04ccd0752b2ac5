package io.github.agentmemory.redis.autoconfigure;

import java.time.Duration;

import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Turns on Lettuce's cluster topology refresh when the application runs on Redis
 * Cluster ({@code spring.data.redis.cluster.*}, for which Spring Boot builds
 * {@link ClusterClientOptions}): a periodic refresh every
 * {@code agent-memory.redis.cluster-refresh.period} and every adaptive trigger (MOVED and
 * ASK redirections, persistent reconnect attempts, unknown nodes, uncovered slots), at most
 * once per {@code agent-memory.redis.cluster-refresh.adaptive-timeout}. Spring Boot leaves
 * both off by default, and then, after a master fails over to its replica, Lettuce keeps
 * routing that master's slots to the dead node until the application restarts.
 *
 * <p>
 * Nothing changes when the user configured the refresh through
 * {@code spring.data.redis.lettuce.cluster.refresh.period} or
 * {@code spring.data.redis.lettuce.cluster.refresh.adaptive}, nor for standalone and
 * Sentinel connections. Switched off with
 * {@code agent-memory.redis.cluster-refresh.enabled=false}.
 *
 * @author agent-memory-redis
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({ ClusterClientOptions.class, BootRedis.ClientOptionsCustomizer.class })
@ConditionalOnProperty(prefix = "agent-memory.redis.cluster-refresh", name = "enabled", matchIfMissing = true)
class LettuceClusterRefreshConfiguration {

	private static final String REFRESH_PREFIX = "spring.data.redis.lettuce.cluster.refresh.";

	@Bean
	@ConditionalOnMissingBean(name = "agentMemoryRedisClusterRefreshCustomizer")
	BootRedis.ClientOptionsCustomizer agentMemoryRedisClusterRefreshCustomizer(
			AgentMemoryRedisProperties properties, Environment environment) {
		Binder binder = Binder.get(environment);
		boolean userConfigured = binder.bind(REFRESH_PREFIX + "period", Duration.class).isBound()
				|| binder.bind(REFRESH_PREFIX + "adaptive", Boolean.class).isBound();
		AgentMemoryRedisProperties.ClusterRefresh refresh = properties.getClusterRefresh();
		return (builder) -> {
			if (userConfigured || !(builder instanceof ClusterClientOptions.Builder clusterBuilder)) {
				return;
			}
			ClusterTopologyRefreshOptions current = clusterBuilder.build().getTopologyRefreshOptions();
			clusterBuilder.topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
				.dynamicRefreshSources(current.useDynamicRefreshSources())
				.closeStaleConnections(current.isCloseStaleConnections())
				.refreshTriggersReconnectAttempts(current.getRefreshTriggersReconnectAttempts())
				.enablePeriodicRefresh(refresh.getPeriod())
				.enableAllAdaptiveRefreshTriggers()
				.adaptiveRefreshTriggersTimeout(refresh.getAdaptiveTimeout())
				.build());
		};
	}

}
