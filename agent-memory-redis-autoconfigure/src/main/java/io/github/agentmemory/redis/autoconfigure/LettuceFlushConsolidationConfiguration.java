package io.github.agentmemory.redis.autoconfigure;

import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * On by default (off with {@code agent-memory.redis.flush-consolidation.enabled=false}): Netty's
 * {@link FlushConsolidationHandler} first in the pipeline of every channel of the
 * application's Lettuce connections, installed through Spring Boot's
 * {@code ClientResourcesBuilderCustomizer} with a Lettuce {@link NettyCustomizer}.
 * Commands written in one event-loop turn then leave in one socket write instead of one
 * each (a flush is passed on at the latest after
 * {@code explicit-flush-after-flushes} held-back flushes, and at the end of the turn).
 *
 * <p>
 * {@code ClientResources} take one {@code NettyCustomizer}: this customizer runs first
 * (highest precedence), so an application that sets its own {@code NettyCustomizer}
 * through a {@code ClientResourcesBuilderCustomizer} keeps it, and the handler is then
 * not installed.
 *
 * @author agent-memory-redis
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({ RedisClient.class, BootRedis.ClientResourcesCustomizer.class, FlushConsolidationHandler.class })
@ConditionalOnProperty(prefix = "agent-memory.redis.flush-consolidation", name = "enabled", havingValue = "true",
		matchIfMissing = true)
class LettuceFlushConsolidationConfiguration {

	@Bean
	@Order(Ordered.HIGHEST_PRECEDENCE)
	@ConditionalOnMissingBean(name = "agentMemoryRedisFlushConsolidationCustomizer")
	BootRedis.ClientResourcesCustomizer agentMemoryRedisFlushConsolidationCustomizer(
			AgentMemoryRedisProperties properties) {
		int explicitFlushAfterFlushes = properties.getFlushConsolidation().getExplicitFlushAfterFlushes();
		return (builder) -> builder.nettyCustomizer(new FlushConsolidation(explicitFlushAfterFlushes));
	}

	/**
	 * Adds a new {@link FlushConsolidationHandler} (it holds per-channel state) to each
	 * channel.
	 */
	static final class FlushConsolidation implements NettyCustomizer {

		private final int explicitFlushAfterFlushes;

		FlushConsolidation(int explicitFlushAfterFlushes) {
			this.explicitFlushAfterFlushes = explicitFlushAfterFlushes;
		}

		@Override
		public void afterChannelInitialized(Channel channel) {
			channel.pipeline().addFirst(new FlushConsolidationHandler(this.explicitFlushAfterFlushes, true));
		}

	}

}
