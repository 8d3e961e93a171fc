BEGIN TRANSACTION;
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR NOT NULL, 
	action VARCHAR NOT NULL, 
	detail JSON NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "audit_log" VALUES(1,'2026-12-01 07:55:24.227984','os:root','standing_query.add','{"id": 1, "name": "vests", "text": "person in an orange vest", "cameras": [], "zones": []}');
INSERT INTO "audit_log" VALUES(2,'2026-12-01 07:55:38.828795','os:root','alert.feedback','{"event_id": "be3822669dbe058472bfc067", "verdict": "false", "note": "shadow on the floor"}');
INSERT INTO "audit_log" VALUES(3,'2026-12-01 07:55:39.998791','os:root','alert.feedback','{"event_id": "a4ba82dca5bfd76f78eedd16", "verdict": "confirmed", "note": null}');
INSERT INTO "audit_log" VALUES(4,'2026-12-01 07:55:41.241136','os:root','search','{"text": "person in an orange vest", "query": "object: person; upper body: orange; garment: vest", "limit": 10, "offset": 0, "results": 2}');
INSERT INTO "audit_log" VALUES(5,'2026-12-01 07:55:43.960676','os:root','clip.export','{"event_id": "5456", "output": "out/clip.mp4", "blurred": true, "duration_s": 4.73}');
INSERT INTO "audit_log" VALUES(6,'2026-12-01 07:55:44.660820','os:root','standing_query.edit','{"id": 1, "min_score": 0.35}');
CREATE TABLE camera_gaps (
	id INTEGER NOT NULL, 
	camera VARCHAR NOT NULL, 
	start_at DATETIME NOT NULL, 
	end_at DATETIME NOT NULL, 
	reason VARCHAR NOT NULL, 
	run_id VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "camera_gaps" VALUES(1,'gate','2026-11-30 12:00:30.000000','2026-11-30 12:00:42.000000','stream stalled','r1');
CREATE TABLE cameras (
	id VARCHAR NOT NULL, 
	source VARCHAR, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "cameras" VALUES('floor',NULL,'2026-12-01 07:55:20.489036');
INSERT INTO "cameras" VALUES('gate','rtsp://cam-gate.local/stream1','2026-12-01 07:55:54.325259');
CREATE TABLE events (
	id VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	rule VARCHAR NOT NULL, 
	camera VARCHAR NOT NULL, 
	source VARCHAR NOT NULL, 
	source_id VARCHAR NOT NULL, 
	zone VARCHAR, 
	start_s FLOAT NOT NULL, 
	end_s FLOAT NOT NULL, 
	started_at DATETIME NOT NULL, 
	score FLOAT NOT NULL, 
	status VARCHAR NOT NULL, 
	track_ids JSON NOT NULL, 
	snapshot VARCHAR, 
	payload JSON NOT NULL, 
	run_id VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "events" VALUES('be3822669dbe058472bfc067','zone_intrusion','zone_intrusion:hazard','floor','/tmp/try/v1/clip.mp4','107406950eb0e6ab','hazard',1.33333333333333331482e-01,4.5333333333333332149e+00,'2026-12-01 07:55:14.102059',9.07132361246191898374e-01,'closed','[1]','floor/107406950eb0e6ab/event-be3822669dbe058472bfc067.jpg','{"schema_version": 1, "id": "be3822669dbe058472bfc067", "rule": "zone_intrusion:hazard", "camera": "floor", "source": "/tmp/try/v1/clip.mp4", "zone": "hazard", "track_ids": [1], "start_s": 0.13333333333333333, "end_s": 4.533333333333333, "started_at": "2026-12-01T07:55:14.102059Z", "score": 0.9071323612461919, "status": "closed", "snapshot": "floor/107406950eb0e6ab/event-be3822669dbe058472bfc067.jpg", "kind": "zone_intrusion", "object_class": "person"}','c5d2d06eda0b4919af4a7126efa2faa0','2026-12-01 07:55:21.459293','2026-12-01 07:55:27.351529');
INSERT INTO "events" VALUES('54562c74c712a588a77d2f75','loitering','loitering:hazard','floor','/tmp/try/v1/clip.mp4','107406950eb0e6ab','hazard',1.33333333333333331482e-01,4.5333333333333332149e+00,'2026-12-01 07:55:14.102059',9.09770826498667362081e-01,'closed','[1]','floor/107406950eb0e6ab/event-54562c74c712a588a77d2f75.jpg','{"schema_version": 1, "id": "54562c74c712a588a77d2f75", "rule": "loitering:hazard", "camera": "floor", "source": "/tmp/try/v1/clip.mp4", "zone": "hazard", "track_ids": [1], "start_s": 0.13333333333333333, "end_s": 4.533333333333333, "started_at": "2026-12-01T07:55:14.102059Z", "score": 0.9097708264986674, "status": "closed", "snapshot": "floor/107406950eb0e6ab/event-54562c74c712a588a77d2f75.jpg", "kind": "loitering", "dwell_s": 4.3999999999999995}','c5d2d06eda0b4919af4a7126efa2faa0','2026-12-01 07:55:21.596286','2026-12-01 07:55:27.353053');
INSERT INTO "events" VALUES('a4ba82dca5bfd76f78eedd16','standing_query','query:vests','floor','/tmp/try/v1/clip.mp4','107406950eb0e6ab',NULL,1.33333333333333331482e-01,4.5333333333333332149e+00,'2026-12-01 07:55:14.102059',0.9954,'closed','[1]',NULL,'{"schema_version": 1, "id": "a4ba82dca5bfd76f78eedd16", "rule": "query:vests", "camera": "floor", "source": "/tmp/try/v1/clip.mp4", "zone": null, "track_ids": [1], "start_s": 0.13333333333333333, "end_s": 4.533333333333333, "started_at": "2026-12-01T07:55:14.102059Z", "score": 0.9954, "status": "closed", "snapshot": null, "kind": "standing_query", "query_id": 1, "query_name": "vests", "query_version": 1, "object_class": "person", "evidence": "upper body: orange 0.57; vest: yes 1.00"}','c5d2d06eda0b4919af4a7126efa2faa0','2026-12-01 07:55:27.384163','2026-12-01 07:55:27.384163');
INSERT INTO "events" VALUES('5c1d0e8f9a7b6c5d4e3f2a1b','loitering','loitering','gate','rtsp://cam-gate.local/stream1','94406b6f401c6a03',NULL,12.4,47.9,'2026-11-30 12:00:17.400000',0.82,'closed','[3]',NULL,'{"schema_version": 1, "id": "5c1d0e8f9a7b6c5d4e3f2a1b", "rule": "loitering", "camera": "gate", "source": "rtsp://cam-gate.local/stream1", "zone": null, "track_ids": [3], "start_s": 12.4, "end_s": 47.9, "started_at": "2026-11-30T12:00:17.400000Z", "score": 0.82, "status": "closed", "snapshot": null, "kind": "loitering", "dwell_s": 35.5}','0f3c','2026-12-01 07:55:54.328553','2026-12-01 07:55:54.328553');
CREATE TABLE feedback (
	event_id VARCHAR NOT NULL, 
	verdict VARCHAR NOT NULL, 
	note VARCHAR, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (event_id)
);
INSERT INTO "feedback" VALUES('be3822669dbe058472bfc067','false','shadow on the floor','2026-12-01 07:55:38.827420');
INSERT INTO "feedback" VALUES('a4ba82dca5bfd76f78eedd16','confirmed',NULL,'2026-12-01 07:55:39.997493');
CREATE TABLE meta (
	"key" VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "meta" VALUES('schema_version','1');
CREATE TABLE search_features_v4 (
	id VARCHAR NOT NULL, 
	run_id VARCHAR NOT NULL, 
	seq INTEGER NOT NULL, 
	source_id VARCHAR NOT NULL, 
	camera VARCHAR NOT NULL, 
	object_class VARCHAR NOT NULL, 
	started_at DATETIME NOT NULL, 
	ended_at DATETIME NOT NULL, 
	event_kinds VARCHAR NOT NULL, 
	zones VARCHAR NOT NULL, 
	started_ts FLOAT NOT NULL, 
	ended_ts FLOAT NOT NULL, 
	head_black FLOAT NOT NULL, 
	head_grey FLOAT NOT NULL, 
	head_white FLOAT NOT NULL, 
	head_red FLOAT NOT NULL, 
	head_orange FLOAT NOT NULL, 
	head_yellow FLOAT NOT NULL, 
	head_green FLOAT NOT NULL, 
	head_blue FLOAT NOT NULL, 
	head_purple FLOAT NOT NULL, 
	head_pink FLOAT NOT NULL, 
	head_brown FLOAT NOT NULL, 
	head_beige FLOAT NOT NULL, 
	head_navy FLOAT NOT NULL, 
	head_light_blue FLOAT NOT NULL, 
	upper_black FLOAT NOT NULL, 
	upper_grey FLOAT NOT NULL, 
	upper_white FLOAT NOT NULL, 
	upper_red FLOAT NOT NULL, 
	upper_orange FLOAT NOT NULL, 
	upper_yellow FLOAT NOT NULL, 
	upper_green FLOAT NOT NULL, 
	upper_blue FLOAT NOT NULL, 
	upper_purple FLOAT NOT NULL, 
	upper_pink FLOAT NOT NULL, 
	upper_brown FLOAT NOT NULL, 
	upper_beige FLOAT NOT NULL, 
	upper_navy FLOAT NOT NULL, 
	upper_light_blue FLOAT NOT NULL, 
	lower_black FLOAT NOT NULL, 
	lower_grey FLOAT NOT NULL, 
	lower_white FLOAT NOT NULL, 
	lower_red FLOAT NOT NULL, 
	lower_orange FLOAT NOT NULL, 
	lower_yellow FLOAT NOT NULL, 
	lower_green FLOAT NOT NULL, 
	lower_blue FLOAT NOT NULL, 
	lower_purple FLOAT NOT NULL, 
	lower_pink FLOAT NOT NULL, 
	lower_brown FLOAT NOT NULL, 
	lower_beige FLOAT NOT NULL, 
	lower_navy FLOAT NOT NULL, 
	lower_light_blue FLOAT NOT NULL, 
	head_seen FLOAT NOT NULL, 
	upper_seen FLOAT NOT NULL, 
	lower_seen FLOAT NOT NULL, 
	described FLOAT NOT NULL, 
	headwear FLOAT NOT NULL, 
	pattern FLOAT NOT NULL, 
	carried_backpack FLOAT NOT NULL, 
	carried_handbag FLOAT NOT NULL, 
	carried_suitcase FLOAT NOT NULL, 
	carried_umbrella FLOAT NOT NULL, 
	posture_standing FLOAT NOT NULL, 
	posture_sitting FLOAT NOT NULL, 
	posture_lying FLOAT NOT NULL, 
	posture_known FLOAT NOT NULL, 
	motion_still FLOAT NOT NULL, 
	motion_walking FLOAT NOT NULL, 
	motion_running FLOAT NOT NULL, 
	motion_moving FLOAT NOT NULL, 
	motion_known FLOAT NOT NULL, 
	speed FLOAT NOT NULL, 
	riding_bicycle FLOAT NOT NULL, 
	riding_motorcycle FLOAT NOT NULL, 
	garment_vest FLOAT NOT NULL, 
	garment_dress FLOAT NOT NULL, 
	garment_hooded_jacket FLOAT NOT NULL, 
	garment_jacket FLOAT NOT NULL, 
	garment_coat FLOAT NOT NULL, 
	garment_cardigan FLOAT NOT NULL, 
	garment_shirt FLOAT NOT NULL, 
	garment_t_shirt FLOAT NOT NULL, 
	garment_top FLOAT NOT NULL, 
	garment_sweater FLOAT NOT NULL, 
	garment_uniform FLOAT NOT NULL, 
	garment_overalls FLOAT NOT NULL, 
	garment_suit FLOAT NOT NULL, 
	garment_trousers FLOAT NOT NULL, 
	garment_jeans FLOAT NOT NULL, 
	garment_shorts FLOAT NOT NULL, 
	garment_skirt FLOAT NOT NULL, 
	near_others FLOAT NOT NULL, 
	near_share FLOAT NOT NULL, 
	quality FLOAT NOT NULL, 
	duration FLOAT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "search_features_v4" VALUES('107406950eb0e6ab:1','c5d2d06eda0b4919af4a7126efa2faa0',1,'107406950eb0e6ab','floor','person','2026-12-01 07:55:14.102059','2026-12-01 07:55:18.502059','|loitering|standing query|zone intrusion|','|hazard|',1.79611171410205888755e+09,1.79611171850205898281e+09,0.0,0.0,0.0,0.0,0.0,0.785,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.57,0.0,0.0,0.139,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.251,0.0,0.0,8.79999999999999671373e-02,0.0,0.0,0.0,0.0,0.486,0.0,1.0,1.0,1.0,1.0,1.0,0.0,0.0,0.0,0.0,0.0,0.783,0.217,0.0,1.0,0.0,1.0,0.0,0.0,1.0,0.398,0.0,0.0,1.0,0.0,-1.0,-1.0,-1.0,-1.0,-1.0,-1.0,-1.0,-1.0,-1.0,-1.0,-1.0,-1.0,0.957,-1.0,-1.0,0.0,0.0,0.9071,4.39999999999999946709e+00);
INSERT INTO "search_features_v4" VALUES('abad40ccbad23536:1','5e6acc58b1c14b84b3e383ce9c5c743a',2,'abad40ccbad23536','floor','person','2026-12-01 07:46:00.288794','2026-12-01 07:46:00.288794','||','|hazard|',1.79611116028879404067e+09,1.79611116028879404067e+09,0.0,0.0,0.0,0.0,0.0,0.918,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.134,0.542,0.0,0.0,0.137,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.135,0.0,0.0,2.60000000000000230926e-02,0.0,0.0,0.0,0.0,0.726,0.0,1.0,1.0,1.0,1.0,1.0,3.33315178417435908908e-01,0.0,0.0,0.0,0.0,1.0,0.0,0.0,1.0,0.0,0.0,0.0,0.0,0.0,-1.0,0.0,0.0,0.844,0.0,-1.0,-1.0,-1.0,-1.0,-1.0,-1.0,-1.0,-1.0,-1.0,-1.0,-1.0,-1.0,1.0,-1.0,-1.0,0.0,0.0,0.9025,0.0);
CREATE TABLE search_vectors_v4 (
	id VARCHAR NOT NULL, 
	vector BLOB NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "search_vectors_v4" VALUES('107406950eb0e6ab:1',X'0000000000000000000000000000000000000000C3F5483F00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000085EB113F000000000000000004560E3E000000000000000000000000000000000000000000000000000000000000000000000000000000001283803E00000000000000005839B43D00000000000000000000000000000000FED4F83E000000000000803F0000803F0000803F0000803F0000803F0000000000000000000000000000000000000000B072483F3F355E3E000000000000803F000000000000803F00000000000000000000803FA8C6CB3E00000000000000000000803F00000000000080BF000080BF000080BF000080BF000080BF000080BF000080BF000080BF000080BF000080BF000080BF000080BFF4FD743F000080BF000080BF0000000000000000B537683FCDCC8C40');
INSERT INTO "search_vectors_v4" VALUES('abad40ccbad23536:1',X'00000000000000000000000000000000000000000C026B3F00000000000000000000000000000000000000000000000000000000000000000000000000000000000000004C37093E83C00A3F0000000000000000BA490C3E00000000000000000000000000000000000000000000000000000000000000000000000000000000713D0A3E0000000000000000F4FDD43C0000000000000000000000000000000023DB393F000000000000803F0000803F0000803F0000803F0000803F49A8AA3E000000000000000000000000000000000000803F00000000000000000000803F0000000000000000000000000000000000000000000080BF00000000000000006210583F00000000000080BF000080BF000080BF000080BF000080BF000080BF000080BF000080BF000080BF000080BF000080BF000080BF0000803F000080BF000080BF00000000000000003D0A673F00000000');
CREATE TABLE segments (
	id INTEGER NOT NULL, 
	camera VARCHAR NOT NULL, 
	path VARCHAR NOT NULL, 
	start_at DATETIME NOT NULL, 
	end_at DATETIME NOT NULL, 
	size_bytes BIGINT NOT NULL, 
	frames INTEGER NOT NULL, 
	codec VARCHAR, 
	width INTEGER, 
	height INTEGER, 
	complete BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (path)
);
INSERT INTO "segments" VALUES(1,'gate','gate/2026-11-30/120000.000000.mp4','2026-11-30 12:00:00.000000','2026-11-30 12:00:30.000000',123456,750,'h264',1280,720,1);
CREATE TABLE sources (
	id VARCHAR NOT NULL, 
	camera VARCHAR NOT NULL, 
	uri VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	run_id VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	error VARCHAR, 
	frames_decoded INTEGER NOT NULL, 
	frames_analysed INTEGER NOT NULL, 
	frames_skipped INTEGER NOT NULL, 
	duration_s FLOAT, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	PRIMARY KEY (id)
);
INSERT INTO "sources" VALUES('107406950eb0e6ab','floor','/tmp/try/v1/clip.mp4','file','c5d2d06eda0b4919af4a7126efa2faa0','complete',NULL,71,17,7,4.66666666666666696272e+00,'2026-12-01 07:55:25.748120','2026-12-01 07:55:27.385729');
INSERT INTO "sources" VALUES('abad40ccbad23536','floor','/work/main/tests/data/photos/intel_worker-zone_f20.jpg','file','5e6acc58b1c14b84b3e383ce9c5c743a','complete',NULL,1,1,0,0.0,'2026-12-01 07:55:22.387494','2026-12-01 07:55:22.442988');
INSERT INTO "sources" VALUES('94406b6f401c6a03','gate','rtsp://cam-gate.local/stream1','stream','0f3c','running',NULL,0,0,0,NULL,'2026-11-30 12:00:05.000000',NULL);
CREATE TABLE standing_queries (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	text VARCHAR NOT NULL, 
	"query" JSON NOT NULL, 
	cameras JSON NOT NULL, 
	zones JSON NOT NULL, 
	schedule JSON, 
	min_score FLOAT NOT NULL, 
	enabled BOOLEAN NOT NULL, 
	version INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
INSERT INTO "standing_queries" VALUES(1,'vests','person in an orange vest','{"text": "person in an orange vest", "object_classes": ["person"], "colours": [{"region": "upper", "colours": ["orange"], "words": "orange vest"}], "garments": ["vest"], "patterned": false, "headwear": null, "carried": [], "not_carried": [], "posture": null, "motion": [], "riding": null, "behaviours": [], "camera": null, "zone": null, "since": null, "until": null, "ignored_words": [], "unknown_words": [], "mapped_words": [], "embed_text": "person in an orange vest"}','[]','[]',NULL,0.35,1,2,'2026-12-01 07:55:24.222309','2026-11-30 12:00:00.000000');
CREATE TABLE standing_query_versions (
	query_id INTEGER NOT NULL, 
	version INTEGER NOT NULL, 
	text VARCHAR NOT NULL, 
	min_score FLOAT NOT NULL, 
	enabled BOOLEAN NOT NULL, 
	changed_at DATETIME NOT NULL, 
	snapshot JSON NOT NULL, 
	PRIMARY KEY (query_id, version)
);
INSERT INTO "standing_query_versions" VALUES(1,1,'person in an orange vest',0.3,1,'2026-12-01 07:55:24.222309','{"name": "vests", "text": "person in an orange vest", "query": {"text": "person in an orange vest", "object_classes": ["person"], "colours": [{"region": "upper", "colours": ["orange"], "words": "orange vest"}], "garments": ["vest"], "patterned": false, "headwear": null, "carried": [], "not_carried": [], "posture": null, "motion": [], "riding": null, "behaviours": [], "camera": null, "zone": null, "since": null, "until": null, "ignored_words": [], "unknown_words": [], "mapped_words": [], "embed_text": "person in an orange vest"}, "cameras": [], "zones": [], "schedule": null, "min_score": 0.3, "enabled": true}');
INSERT INTO "standing_query_versions" VALUES(1,2,'person in an orange vest',0.35,1,'2026-11-30 12:00:00.000000','{"name": "vests", "text": "person in an orange vest", "query": {"text": "person in an orange vest", "object_classes": ["person"], "colours": [{"region": "upper", "colours": ["orange"], "words": "orange vest"}], "garments": ["vest"], "patterned": false, "headwear": null, "carried": [], "not_carried": [], "posture": null, "motion": [], "riding": null, "behaviours": [], "camera": null, "zone": null, "since": null, "until": null, "ignored_words": [], "unknown_words": [], "mapped_words": [], "embed_text": "person in an orange vest"}, "cameras": [], "zones": [], "schedule": null, "min_score": 0.35, "enabled": true}');
CREATE TABLE suppressions (
	id INTEGER NOT NULL, 
	rule VARCHAR NOT NULL, 
	camera VARCHAR NOT NULL, 
	zone VARCHAR, 
	polygon JSON NOT NULL, 
	object_class VARCHAR, 
	enabled BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	reason VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "suppressions" VALUES(1,'zone_intrusion:hazard','floor','hazard','[[0.1, 0.1], [0.3, 0.1], [0.3, 0.3], [0.1, 0.3]]','person',0,'2026-11-30 12:00:00.000000','3 false alerts of person near (0.20, 0.20)');
CREATE TABLE track_embeddings (
	track_id VARCHAR NOT NULL, 
	model VARCHAR NOT NULL, 
	dim INTEGER NOT NULL, 
	vector BLOB NOT NULL, 
	PRIMARY KEY (track_id, model)
);
CREATE TABLE tracks (
	id VARCHAR NOT NULL, 
	source_id VARCHAR NOT NULL, 
	camera VARCHAR NOT NULL, 
	tracker_id INTEGER NOT NULL, 
	object_class VARCHAR NOT NULL, 
	start_s FLOAT NOT NULL, 
	end_s FLOAT NOT NULL, 
	started_at DATETIME NOT NULL, 
	ended_at DATETIME NOT NULL, 
	frames INTEGER NOT NULL, 
	confidence FLOAT NOT NULL, 
	thumbnail VARCHAR, 
	zones JSON NOT NULL, 
	events JSON NOT NULL, 
	path JSON NOT NULL, 
	appearance JSON, 
	record JSON NOT NULL, 
	run_id VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "tracks" VALUES('107406950eb0e6ab:1','107406950eb0e6ab','floor',1,'person',1.33333333333333331482e-01,4.5333333333333332149e+00,'2026-12-01 07:55:14.102059','2026-12-01 07:55:18.502059',23,0.9071,'floor/107406950eb0e6ab/track-1.jpg','["hazard"]','["54562c74c712a588a77d2f75", "be3822669dbe058472bfc067"]','[[0.13, 0.5695, 0.9965], [0.33, 0.5695, 0.9965], [0.53, 0.4485, 0.9923], [0.73, 0.4485, 0.9923], [0.93, 0.4029, 0.993], [1.13, 0.3926, 0.9932], [1.33, 0.371, 0.9923], [1.53, 0.3483, 0.9952], [1.73, 0.3217, 0.9595], [1.93, 0.3059, 0.9526], [2.13, 0.3009, 0.9473], [2.33, 0.295, 0.9071], [2.53, 0.2905, 0.8416], [2.73, 0.2835, 0.8343], [2.93, 0.2722, 0.8352], [3.13, 0.2622, 0.8166], [3.33, 0.2501, 0.7844], [3.53, 0.2501, 0.7844], [3.73, 0.2512, 0.7828], [3.93, 0.2512, 0.7828], [4.13, 0.2512, 0.7828], [4.33, 0.2512, 0.7828], [4.53, 0.2512, 0.7828]]','{"head": {"yellow": 0.785}, "upper": {"orange": 0.57, "blue": 0.139}, "lower": {"blue": 0.574, "navy": 0.486, "orange": 0.251}, "headwear": 1.0, "carried": {}, "posture": "standing", "postures": {"standing": 0.783, "sitting": 0.217}, "motion": "walking", "speed": 0.398, "heading_deg": 200.7, "riding": null, "garments": {"vest": 1.0, "jeans": 0.957}}','{"schema_version": 1, "id": "107406950eb0e6ab:1", "camera": "floor", "source": "/tmp/try/v1/clip.mp4", "source_id": "107406950eb0e6ab", "tracker_id": 1, "object_class": "person", "start_s": 0.13333333333333333, "end_s": 4.533333333333333, "started_at": "2026-12-01T07:55:14.102059Z", "ended_at": "2026-12-01T07:55:18.502059Z", "frames": 23, "confidence": 0.9071, "path": [[0.13, 0.5695, 0.9965], [0.33, 0.5695, 0.9965], [0.53, 0.4485, 0.9923], [0.73, 0.4485, 0.9923], [0.93, 0.4029, 0.993], [1.13, 0.3926, 0.9932], [1.33, 0.371, 0.9923], [1.53, 0.3483, 0.9952], [1.73, 0.3217, 0.9595], [1.93, 0.3059, 0.9526], [2.13, 0.3009, 0.9473], [2.33, 0.295, 0.9071], [2.53, 0.2905, 0.8416], [2.73, 0.2835, 0.8343], [2.93, 0.2722, 0.8352], [3.13, 0.2622, 0.8166], [3.33, 0.2501, 0.7844], [3.53, 0.2501, 0.7844], [3.73, 0.2512, 0.7828], [3.93, 0.2512, 0.7828], [4.13, 0.2512, 0.7828], [4.33, 0.2512, 0.7828], [4.53, 0.2512, 0.7828]], "zones": ["hazard"], "events": ["54562c74c712a588a77d2f75", "be3822669dbe058472bfc067"], "thumbnail": "floor/107406950eb0e6ab/track-1.jpg", "appearance": {"head": {"yellow": 0.785}, "upper": {"orange": 0.57, "blue": 0.139}, "lower": {"blue": 0.574, "navy": 0.486, "orange": 0.251}, "headwear": 1.0, "carried": {}, "posture": "standing", "postures": {"standing": 0.783, "sitting": 0.217}, "motion": "walking", "speed": 0.398, "heading_deg": 200.7, "riding": null, "garments": {"vest": 1.0, "jeans": 0.957}}}','c5d2d06eda0b4919af4a7126efa2faa0');
INSERT INTO "tracks" VALUES('abad40ccbad23536:1','abad40ccbad23536','floor',1,'person',0.0,0.0,'2026-12-01 07:46:00.288794','2026-12-01 07:46:00.288794',1,0.9025,'floor/abad40ccbad23536/track-1.jpg','["hazard"]','[]','[[0.0, 0.3712, 0.9937]]','{"head": {"yellow": 0.918}, "upper": {"orange": 0.542, "blue": 0.137, "red": 0.134}, "lower": {"blue": 0.752, "navy": 0.726, "orange": 0.135}, "headwear": 1.0, "carried": {}, "posture": "standing", "postures": {"standing": 1.0}, "motion": "unknown", "speed": null, "heading_deg": null, "riding": null, "garments": {"vest": 0.844, "jeans": 1.0}}','{"schema_version": 1, "id": "abad40ccbad23536:1", "camera": "floor", "source": "/work/main/tests/data/photos/intel_worker-zone_f20.jpg", "source_id": "abad40ccbad23536", "tracker_id": 1, "object_class": "person", "start_s": 0.0, "end_s": 0.0, "started_at": "2026-12-01T07:46:00.288794Z", "ended_at": "2026-12-01T07:46:00.288794Z", "frames": 1, "confidence": 0.9025, "path": [[0.0, 0.3712, 0.9937]], "zones": ["hazard"], "events": [], "thumbnail": "floor/abad40ccbad23536/track-1.jpg", "appearance": {"head": {"yellow": 0.918}, "upper": {"orange": 0.542, "blue": 0.137, "red": 0.134}, "lower": {"blue": 0.752, "navy": 0.726, "orange": 0.135}, "headwear": 1.0, "carried": {}, "posture": "standing", "postures": {"standing": 1.0}, "motion": "unknown", "speed": null, "heading_deg": null, "riding": null, "garments": {"vest": 0.844, "jeans": 1.0}}}','5e6acc58b1c14b84b3e383ce9c5c743a');
CREATE INDEX ix_tracks_camera_started_at ON tracks (camera, started_at);
CREATE INDEX ix_tracks_source_id ON tracks (source_id);
CREATE INDEX ix_tracks_object_class ON tracks (object_class);
CREATE INDEX ix_events_kind_started_at ON events (kind, started_at);
CREATE INDEX ix_events_camera_started_at ON events (camera, started_at);
CREATE INDEX ix_events_source_id ON events (source_id);
CREATE INDEX ix_audit_log_at ON audit_log (at);
CREATE INDEX ix_audit_log_action ON audit_log (action);
CREATE INDEX ix_segments_start_at ON segments (start_at);
CREATE INDEX ix_segments_camera_start_at ON segments (camera, start_at);
CREATE INDEX ix_camera_gaps_camera_start_at ON camera_gaps (camera, start_at);
CREATE INDEX ix_search_features_v4_camera_started ON search_features_v4 (camera, started_at);
CREATE INDEX ix_search_features_v4_class_started ON search_features_v4 (object_class, started_at);
CREATE INDEX ix_search_features_v4_source ON search_features_v4 (source_id);
CREATE INDEX ix_search_features_v4_seq ON search_features_v4 (seq);
COMMIT;
