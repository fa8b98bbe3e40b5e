<?php
// poll.php - the incumbent this project replaces, as shared hosts run it:
// one PHP worker per client, polling the same SQLite table once a second.
// Written the way the common tutorials write it, and fair: it resumes from
// Last-Event-ID, reads with a prepared statement in pages of 1,000 rows,
// and skips the sleep while it is catching up.
header('Content-Type: text/event-stream');
header('Cache-Control: no-store');
set_time_limit(0);
while (ob_get_level() > 0)
	ob_end_flush();

$db = new SQLite3(getenv('SSE_DB'), SQLITE3_OPEN_READONLY);
$db->busyTimeout(10000);
// A new client starts from now, a returning one where it left off.
$last = isset($_SERVER['HTTP_LAST_EVENT_ID'])
	? (int)$_SERVER['HTTP_LAST_EVENT_ID']
	: (int)$db->querySingle('SELECT max(id) FROM events');
$q = $db->prepare('SELECT id, event, data FROM events WHERE id > :last ORDER BY id LIMIT 1000');
echo ": ok\n\n";
flush();
$quiet = 0;
while (!connection_aborted()) {
	$q->bindValue(':last', $last, SQLITE3_INTEGER);
	$r = $q->execute();
	$n = 0;
	$out = '';
	while (($row = $r->fetchArray(SQLITE3_ASSOC)) !== false) {
		$out .= "id: {$row['id']}\nevent: {$row['event']}\ndata: {$row['data']}\n\n";
		$last = $row['id'];
		$n++;
	}
	$r->finalize();
	if ($n === 0 && ++$quiet >= 15) {
		$out = ": keep-alive\n\n";
		$quiet = 0;
	}
	if ($out !== '') {
		echo $out;
		flush();
	}
	if ($n < 1000)
		sleep(1);
}
