package io.github.agentmemory.redis.autoconfigure;

import java.nio.file.Path;

import io.github.agentmemory.redis.recovery.journal.JournalSettings;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.github.agentmemory.redis.recovery.journal.SqliteRecoveryJournal;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/**
 * The recovery journal, when {@code agent-memory.redis.recovery.journal.enabled} is set
 * and SQLite's JDBC driver ({@code org.xerial:sqlite-jdbc}, which the starter brings) is
 * on the class path. Imported by {@link AgentMemoryRedisAutoConfiguration}.
 *
 * @author agent-memory-redis
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "org.sqlite.JDBC")
@ConditionalOnProperty(prefix = "agent-memory.redis.recovery.journal", name = "enabled")
class RecoveryJournalConfiguration {

	@Bean
	@ConditionalOnMissingBean(RecoveryJournal.class)
	SqliteRecoveryJournal agentMemoryRedisRecoveryJournal(AgentMemoryRedisProperties properties) {
		AgentMemoryRedisProperties.Recovery.Journal journal = properties.getRecovery().getJournal();
		JournalSettings.Builder settings = JournalSettings.builder();
		PropertyMapper map = NonNullPropertyMapper.get();
		map.from(journal::getPath).as(Path::of).to(settings::directory);
		map.from(journal::getMaxEntries).to(settings::maxEntries);
		map.from(journal::getMaxBytes).as(DataSize::toBytes).to(settings::maxBytes);
		map.from(journal::getSync).to(settings::sync);
		map.from(journal::getMaxBatch).to(settings::maxBatch);
		return new SqliteRecoveryJournal(settings.build());
	}

}
