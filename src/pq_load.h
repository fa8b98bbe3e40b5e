/*
 * pq_load.h - libpq, loaded (dlopen) when the first postgresql:// URL is
 * opened rather than mapped at every start: a process that never sees one
 * never loads libpq and the 27 libraries it pulls in, which was half of a
 * single sse-push's time and of every sse.cgi stream's start.
 *
 * Only the PostgreSQL engine (store_pg.c) includes this, after
 * <libpq-fe.h>: each PQ function it calls is then a pointer in pq_api,
 * which pq_load() fills. Calling one before pq_load() succeeded is a bug.
 *
 * Errors: pq_load() returns -1 with the loader's message in err.
 */
#ifndef PQ_LOAD_H
#define PQ_LOAD_H

#include <stddef.h>

#include <libpq-fe.h>

#define PQ_FUNCS(X) \
	X(PQclear) X(PQcmdTuples) X(PQconnectdbParams) \
	X(PQconnectPoll) X(PQconnectStartParams) X(PQconninfo) \
	X(PQconninfoFree) X(PQconninfoParse) X(PQconsumeInput) X(PQerrorMessage) X(PQexec) \
	X(PQexecParams) X(PQexecPrepared) X(PQfinish) X(PQfreemem) \
	X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQnotifies) \
	X(PQntuples) X(PQprepare) X(PQresultErrorField) \
	X(PQresultErrorMessage) X(PQresultStatus) X(PQsocket) X(PQstatus) \
	X(PQtransactionStatus)

struct pq_api {
#define PQ_FIELD(f)	__typeof__(f) *f;
	PQ_FUNCS(PQ_FIELD)
#undef PQ_FIELD
};

extern struct pq_api pq_api;

/* Load libpq (libpq.so.5) once; later calls return at once. */
int	pq_load(char *err, size_t errsz);

#ifndef PQ_LOAD_SELF
#define PQclear			(pq_api.PQclear)
#define PQcmdTuples		(pq_api.PQcmdTuples)
#define PQconnectdbParams	(pq_api.PQconnectdbParams)
#define PQconnectPoll		(pq_api.PQconnectPoll)
#define PQconnectStartParams	(pq_api.PQconnectStartParams)
#define PQconninfo		(pq_api.PQconninfo)
#define PQconninfoFree		(pq_api.PQconninfoFree)
#define PQconninfoParse		(pq_api.PQconninfoParse)
#define PQconsumeInput		(pq_api.PQconsumeInput)
#define PQerrorMessage		(pq_api.PQerrorMessage)
#define PQexec			(pq_api.PQexec)
#define PQexecParams		(pq_api.PQexecParams)
#define PQexecPrepared		(pq_api.PQexecPrepared)
#define PQfinish		(pq_api.PQfinish)
#define PQfreemem		(pq_api.PQfreemem)
#define PQgetisnull		(pq_api.PQgetisnull)
#define PQgetlength		(pq_api.PQgetlength)
#define PQgetvalue		(pq_api.PQgetvalue)
#define PQnotifies		(pq_api.PQnotifies)
#define PQntuples		(pq_api.PQntuples)
#define PQprepare		(pq_api.PQprepare)
#define PQresultErrorField	(pq_api.PQresultErrorField)
#define PQresultErrorMessage	(pq_api.PQresultErrorMessage)
#define PQresultStatus		(pq_api.PQresultStatus)
#define PQsocket		(pq_api.PQsocket)
#define PQstatus		(pq_api.PQstatus)
#define PQtransactionStatus	(pq_api.PQtransactionStatus)
#endif

#endif
