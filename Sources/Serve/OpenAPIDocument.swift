/// The OpenAPI 3.1 document of the endpoints, served at `/api/v1/openapi.json`. docs/openapi.json is
/// this text (`stratopt serve --openapi > docs/openapi.json`); a test checks they are equal.
public enum OpenAPIDocument {
    public static let json = #"""
        {
          "components": {
            "responses": {
              "Error": {
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                },
                "description": "An error"
              }
            },
            "schemas": {
              "AnalyzeForm": {
                "properties": {
                  "end": {
                    "description": "YYYY-MM-DD, an offset or today",
                    "type": "string"
                  },
                  "initial_capital": {
                    "default": 100000,
                    "type": "number"
                  },
                  "position_size_pct": {
                    "default": 10,
                    "type": "number"
                  },
                  "start": {
                    "description": "YYYY-MM-DD or an offset such as -1y",
                    "type": "string"
                  },
                  "strategies": {
                    "oneOf": [
                      {
                        "enum": [
                          "all"
                        ],
                        "type": "string"
                      },
                      {
                        "items": {
                          "type": "string"
                        },
                        "maxItems": 100,
                        "type": "array"
                      }
                    ]
                  },
                  "tickers": {
                    "oneOf": [
                      {
                        "items": {
                          "type": "string"
                        },
                        "maxItems": 500,
                        "type": "array"
                      },
                      {
                        "type": "string"
                      }
                    ]
                  }
                },
                "required": [
                  "tickers",
                  "start",
                  "end"
                ],
                "type": "object"
              },
              "Deleted": {
                "properties": {
                  "folder": {
                    "type": "string"
                  },
                  "job_id": {
                    "type": "string"
                  },
                  "status": {
                    "enum": [
                      "deleted",
                      "cancelling"
                    ],
                    "type": "string"
                  }
                },
                "required": [
                  "job_id",
                  "status"
                ],
                "type": "object"
              },
              "Diagnostic": {
                "properties": {
                  "column": {
                    "type": "integer"
                  },
                  "file": {
                    "type": "string"
                  },
                  "key_path": {
                    "type": "string"
                  },
                  "line": {
                    "type": "integer"
                  },
                  "message": {
                    "type": "string"
                  },
                  "suggestion": {
                    "type": "string"
                  }
                },
                "required": [
                  "file",
                  "line",
                  "column",
                  "key_path",
                  "message"
                ],
                "type": "object"
              },
              "Error": {
                "properties": {
                  "error": {
                    "properties": {
                      "code": {
                        "type": "string"
                      },
                      "diagnostics": {
                        "items": {
                          "$ref": "#/components/schemas/Diagnostic"
                        },
                        "type": "array"
                      },
                      "message": {
                        "type": "string"
                      }
                    },
                    "required": [
                      "code",
                      "message"
                    ],
                    "type": "object"
                  }
                },
                "required": [
                  "error"
                ],
                "type": "object"
              },
              "ExecuteRequest": {
                "properties": {
                  "dry_run": {
                    "default": false,
                    "type": "boolean"
                  },
                  "job_id": {
                    "type": "string"
                  },
                  "symbols": {
                    "items": {
                      "type": "string"
                    },
                    "maxItems": 500,
                    "type": "array"
                  }
                },
                "required": [
                  "job_id"
                ],
                "type": "object"
              },
              "ExecuteResult": {
                "properties": {
                  "blocked": {
                    "type": "integer"
                  },
                  "dry_run": {
                    "type": "boolean"
                  },
                  "error": {
                    "type": "string"
                  },
                  "failed": {
                    "type": "integer"
                  },
                  "job_id": {
                    "type": "string"
                  },
                  "orders": {
                    "items": {
                      "properties": {
                        "breaches": {
                          "items": {
                            "type": "string"
                          },
                          "type": "array"
                        },
                        "client_order_id": {
                          "type": "string"
                        },
                        "error": {
                          "type": "string"
                        },
                        "order_id": {
                          "type": "string"
                        },
                        "price": {
                          "type": "number"
                        },
                        "shares": {
                          "type": "number"
                        },
                        "side": {
                          "type": "string"
                        },
                        "status": {
                          "enum": [
                            "submitted",
                            "blocked",
                            "failed",
                            "skipped"
                          ],
                          "type": "string"
                        },
                        "strategy": {
                          "type": "string"
                        },
                        "symbol": {
                          "type": "string"
                        },
                        "value": {
                          "type": "number"
                        }
                      },
                      "type": "object"
                    },
                    "type": "array"
                  },
                  "plan": {
                    "type": "string"
                  },
                  "skipped": {
                    "type": "integer"
                  },
                  "submitted": {
                    "type": "integer"
                  }
                },
                "required": [
                  "job_id",
                  "dry_run",
                  "submitted",
                  "blocked",
                  "failed",
                  "skipped",
                  "orders"
                ],
                "type": "object"
              },
              "History": {
                "properties": {
                  "jobs": {
                    "items": {
                      "$ref": "#/components/schemas/Job"
                    },
                    "type": "array"
                  },
                  "page": {
                    "type": "integer"
                  },
                  "per_page": {
                    "type": "integer"
                  },
                  "total": {
                    "type": "integer"
                  }
                },
                "required": [
                  "jobs",
                  "page",
                  "per_page",
                  "total"
                ],
                "type": "object"
              },
              "Job": {
                "properties": {
                  "backtests": {
                    "type": "integer"
                  },
                  "done": {
                    "type": "integer"
                  },
                  "eta_seconds": {
                    "type": "integer"
                  },
                  "failed_symbols": {
                    "type": "integer"
                  },
                  "finished_at": {
                    "type": "string"
                  },
                  "job_id": {
                    "type": "string"
                  },
                  "queue_position": {
                    "type": "integer"
                  },
                  "report_url": {
                    "type": "string"
                  },
                  "spec_name": {
                    "type": "string"
                  },
                  "stage": {
                    "enum": [
                      "plan",
                      "fetch",
                      "backtest",
                      "score",
                      "report",
                      "execute"
                    ],
                    "type": "string"
                  },
                  "started_at": {
                    "type": "string"
                  },
                  "status": {
                    "enum": [
                      "queued",
                      "running",
                      "cancelling",
                      "succeeded",
                      "partial",
                      "failed",
                      "interrupted",
                      "cancelled"
                    ],
                    "type": "string"
                  },
                  "submitted_at": {
                    "type": "string"
                  },
                  "symbols": {
                    "type": "integer"
                  },
                  "total": {
                    "type": "integer"
                  }
                },
                "required": [
                  "job_id",
                  "status",
                  "done",
                  "total",
                  "submitted_at"
                ],
                "type": "object"
              }
            },
            "securitySchemes": {
              "bearer": {
                "scheme": "bearer",
                "type": "http"
              }
            }
          },
          "info": {
            "description": "The optimizer's endpoints over the stratopt run chain and run store (docs/serve.md). Every request needs Authorization: Bearer <token>.",
            "title": "stratopt serve",
            "version": "1"
          },
          "openapi": "3.1.0",
          "paths": {
            "/api/v1/optimizer/analyze": {
              "post": {
                "operationId": "analyze",
                "requestBody": {
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/AnalyzeForm"
                      }
                    },
                    "application/yaml": {
                      "schema": {
                        "maxLength": 1048576,
                        "type": "string"
                      }
                    }
                  },
                  "required": true
                },
                "responses": {
                  "202": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "properties": {
                            "job_id": {
                              "type": "string"
                            }
                          },
                          "required": [
                            "job_id"
                          ],
                          "type": "object"
                        }
                      }
                    },
                    "description": "Queued",
                    "links": {
                      "deleteJob": {
                        "operationId": "deleteJob",
                        "parameters": {
                          "job_id": "$response.body#/job_id"
                        }
                      },
                      "execute": {
                        "operationId": "execute",
                        "requestBody": {
                          "job_id": "$response.body#/job_id"
                        }
                      },
                      "report": {
                        "operationId": "report",
                        "parameters": {
                          "job_id": "$response.body#/job_id"
                        }
                      },
                      "results": {
                        "operationId": "results",
                        "parameters": {
                          "job_id": "$response.body#/job_id"
                        }
                      },
                      "status": {
                        "operationId": "status",
                        "parameters": {
                          "job_id": "$response.body#/job_id"
                        }
                      },
                      "statusEvents": {
                        "operationId": "statusEvents",
                        "parameters": {
                          "job_id": "$response.body#/job_id"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "415": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "429": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "Validate a spec (YAML) or the dashboard form (JSON) and queue it as a job."
              }
            },
            "/api/v1/optimizer/execute": {
              "post": {
                "operationId": "execute",
                "requestBody": {
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ExecuteRequest"
                      }
                    }
                  },
                  "required": true
                },
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ExecuteResult"
                        }
                      }
                    },
                    "description": "What each symbol's order did"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "415": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  },
                  "503": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "The risk-gated execute stage on a finished job."
              }
            },
            "/api/v1/optimizer/history": {
              "get": {
                "operationId": "history",
                "parameters": [
                  {
                    "in": "query",
                    "name": "page",
                    "schema": {
                      "default": 1,
                      "maximum": 1000000,
                      "minimum": 1,
                      "type": "integer"
                    }
                  },
                  {
                    "in": "query",
                    "name": "per_page",
                    "schema": {
                      "default": 20,
                      "maximum": 100,
                      "minimum": 1,
                      "type": "integer"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/History"
                        }
                      }
                    },
                    "description": "A page of jobs"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "422": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "The user's jobs, newest first, paged."
              }
            },
            "/api/v1/optimizer/jobs/{job_id}": {
              "delete": {
                "operationId": "deleteJob",
                "parameters": [
                  {
                    "in": "path",
                    "name": "job_id",
                    "required": true,
                    "schema": {
                      "maxLength": 64,
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Deleted"
                        }
                      }
                    },
                    "description": "Deleted"
                  },
                  "202": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Deleted"
                        }
                      }
                    },
                    "description": "Cancelling"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "409": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "Cancel a running job (it stops after the current batch) or delete a queued or finished one, as `stratopt delete`."
              }
            },
            "/api/v1/optimizer/jobs/{job_id}/report.html": {
              "get": {
                "operationId": "report",
                "parameters": [
                  {
                    "in": "path",
                    "name": "job_id",
                    "required": true,
                    "schema": {
                      "maxLength": 64,
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    },
                    "description": "report.html"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "report.html of the job's run (also with the dashboard's cookie)."
              }
            },
            "/api/v1/optimizer/results/{job_id}": {
              "get": {
                "operationId": "results",
                "parameters": [
                  {
                    "in": "path",
                    "name": "job_id",
                    "required": true,
                    "schema": {
                      "maxLength": 64,
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    },
                    "description": "results.json"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "results.json of the job's run (404 until it finished)."
              }
            },
            "/api/v1/optimizer/status/{job_id}": {
              "get": {
                "operationId": "status",
                "parameters": [
                  {
                    "in": "path",
                    "name": "job_id",
                    "required": true,
                    "schema": {
                      "maxLength": 64,
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Job"
                        }
                      }
                    },
                    "description": "The job"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "A job's status: stage, done/total, ETA."
              }
            },
            "/api/v1/optimizer/status/{job_id}/events": {
              "get": {
                "operationId": "statusEvents",
                "parameters": [
                  {
                    "in": "path",
                    "name": "job_id",
                    "required": true,
                    "schema": {
                      "maxLength": 64,
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "content": {
                      "text/event-stream": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    },
                    "description": "An event stream"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "503": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "summary": "Server-Sent Events: a status event at every change, until the job ends."
              }
            }
          },
          "security": [
            {
              "bearer": []
            }
          ],
          "servers": [
            {
              "url": "/"
            }
          ]
        }

        """#
}
