-- Test runs of a project. A retried session points at the one it retries (a self-reference).
CREATE TABLE public.test_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  project_id bigint NOT NULL REFERENCES public.projects (id) ON DELETE CASCADE,
  retry_of uuid REFERENCES public.test_sessions (id) ON DELETE SET NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'passed', 'failed')),
  started_at timestamptz,
  duration interval,
  tags text[] NOT NULL DEFAULT '{}',
  result jsonb
);

CREATE INDEX idx_test_sessions_project ON public.test_sessions (project_id, started_at DESC);

-- Application errors, appended by the API. No primary key: it is a log.
CREATE TABLE public.error_logs (
  occurred_at timestamptz NOT NULL DEFAULT now(),
  level text NOT NULL,
  message text NOT NULL,
  context jsonb,
  session_id uuid REFERENCES public.test_sessions (id) ON DELETE SET NULL
);

CREATE VIEW public.project_summaries AS
  SELECT p.id, p.name, p.status, count(s.id) AS sessions,
         count(s.id) FILTER (WHERE s.status = 'failed') AS failed_sessions
  FROM public.projects p
  LEFT JOIN public.test_sessions s ON s.project_id = p.id
  GROUP BY p.id, p.name, p.status;

COMMENT ON TABLE public.error_logs IS 'Application errors, appended by the API';
