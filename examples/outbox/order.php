<?php
// order.php - take an order and announce it in the same transaction (the
// outbox pattern): the event is streamed if and only if the order commits.
// POST item=NAME. ORDERS_DSN is a PDO DSN for the events database:
//   sqlite:/var/lib/sse/events.db
//   pgsql:host=db.example;dbname=sse;user=shop    (password: ~/.pgpass)
// The app's own tables (here orders and stock) live beside events, in the
// same SQLite file or the same PostgreSQL database.
$dsn = getenv('ORDERS_DSN');
$db = new PDO($dsn, null, null, [
    PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
    PDO::ATTR_TIMEOUT => 10,            // SQLite: wait up to 10 s for the lock
]);
$item = $_POST['item'] ?? '';
header('Content-Type: application/json');
try {
    // SQLite: take the write lock now; a deferred BEGIN that reads first
    // can fail on its first write instead of waiting.
    $db->exec(str_starts_with($dsn, 'sqlite:') ? 'BEGIN IMMEDIATE' : 'BEGIN');
    $q = $db->prepare('INSERT INTO orders (item) VALUES (?) RETURNING id');
    $q->execute([$item]);
    $id = (int)$q->fetchColumn();
    // The event: event and data are required; topic, audience optional.
    $db->prepare('INSERT INTO events (event, topic, data) VALUES (?, ?, ?)')
       ->execute(['order', "orders/$id", json_encode(['id' => $id, 'item' => $item])]);
    // The last step may still fail (no stock left): the event goes with it.
    $q = $db->prepare('UPDATE stock SET units = units - 1 WHERE item = ? AND units > 0');
    $q->execute([$item]);
    if ($q->rowCount() !== 1)
        throw new DomainException("no $item left");
    $db->exec('COMMIT');
    echo json_encode(['id' => $id]), "\n";
} catch (Exception $e) {
    try { $db->exec('ROLLBACK'); } catch (PDOException $ignored) {}
    http_response_code($e instanceof DomainException ? 409 : 500);
    echo json_encode(['error' => $e->getMessage()]), "\n";
}
