import Mustache

// Each report view answers the template's lookups itself. Mustache's default lookup builds a `Mirror` of
// the value for every variable it renders; at 500 symbols × 68 combinations (tens of thousands of ranking
// rows and cells) that reflection was most of the report stage's time. A view property the template uses
// must be listed here (one that is not is still found, through that reflection, only slowly). The largest
// repeated parts (ranking rows, details, the tearsheet's tables, score grids) are written as bytes instead
// (`HTMLBytes`) and reach the template as one pre-rendered value each.

extension Cell: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "text": return text
        case "cls": return cls
        case "hasCls": return hasCls
        default: return nil
        }
    }
}

extension HeatCell: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "text": return text
        case "cls": return cls
        case "tip": return tip
        default: return nil
        }
    }
}

extension KPI: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": return label
        case "value": return value
        case "note": return note
        default: return nil
        }
    }
}

extension IssueView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "symbol": return symbol
        case "kind": return kind
        case "reasons": return reasons
        default: return nil
        }
    }
}

extension OverviewRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "anchor": return anchor
        case "href": return href
        case "symbol": return symbol
        case "bars": return bars
        case "first": return first
        case "last": return last
        case "cells": return cells
        case "best": return best
        default: return nil
        }
    }
}

extension FoldRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "n": return n
        case "train": return train
        case "test": return test
        case "params": return params
        case "inSampleScore": return inSampleScore
        case "outOfSampleReturn": return outOfSampleReturn
        case "outOfSampleReturnCls": return outOfSampleReturnCls
        case "outOfSampleScore": return outOfSampleScore
        default: return nil
        }
    }
}

extension SymbolView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "anchor": return anchor
        case "dateData": return dateData
        case "detailsHTML": return detailsHTML
        case "hasTearsheet": return hasTearsheet
        case "equityLogSVG": return equityLogSVG
        case "yearRowsHTML": return yearRowsHTML
        case "rollingSharpeSVG": return rollingSharpeSVG
        case "rollingVolSVG": return rollingVolSVG
        case "drawdownRowsHTML": return drawdownRowsHTML
        case "distributionSVG": return distributionSVG
        case "symbol": return symbol
        case "bars": return bars
        case "first": return first
        case "last": return last
        case "hasBest": return hasBest
        case "bestStrategy": return bestStrategy
        case "bestParams": return bestParams
        case "bestScore": return bestScore
        case "bestReturn": return bestReturn
        case "bestReturnCls": return bestReturnCls
        case "bhReturn": return bhReturn
        case "bhReturnCls": return bhReturnCls
        case "bestStats": return bestStats
        case "hasOverfitting": return hasOverfitting
        case "overfittingNote": return overfittingNote
        case "hasFolds": return hasFolds
        case "outOfSampleNote": return outOfSampleNote
        case "folds": return folds
        case "rankRowsHTML": return rankRowsHTML
        case "rowsTruncated": return rowsTruncated
        case "rowsNote": return rowsNote
        case "hasCharts": return hasCharts
        case "equitySVG": return equitySVG
        case "drawdownSVG": return drawdownSVG
        case "gridsHTML": return gridsHTML
        case "hasMonthly": return hasMonthly
        case "monthlyRowsHTML": return monthlyRowsHTML
        case "metricHeadersHTML": return HTMLReport.metricHeadersHTML
        case "tradeCount": return tradeCount
        case "hasTrades": return hasTrades
        case "tradesHTML": return tradesHTML
        default: return nil
        }
    }
}

extension OrderView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "symbol": return symbol
        case "strategy": return strategy
        case "side": return side
        case "shares": return shares
        case "price": return price
        case "value": return value
        case "brokerOrderId": return brokerOrderId
        case "hasBrokerId": return hasBrokerId
        case "clientOrderId": return clientOrderId
        case "hasClientId": return hasClientId
        case "verdicts": return verdicts
        case "error": return error
        default: return nil
        }
    }
}

extension ExecGroup: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": return title
        case "showIds": return showIds
        case "showVerdicts": return showVerdicts
        case "showError": return showError
        case "orders": return orders
        default: return nil
        }
    }
}

extension ExecCount: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "status": return status
        case "count": return count
        default: return nil
        }
    }
}

extension PageView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "specName": return specName
        case "specPath": return specPath
        case "period": return period
        case "provider": return provider
        case "synthetic": return synthetic
        case "conventions": return conventions
        case "costs": return costs
        case "sizing": return sizing
        case "initialCapital": return initialCapital
        case "scoreNote": return scoreNote
        case "toolVersion": return toolVersion
        case "kpis": return kpis
        case "hasIssues": return hasIssues
        case "issues": return issues
        case "hasWarnings": return hasWarnings
        case "warnings": return warnings
        case "hasValidation": return hasValidation
        case "validationNote": return validationNote
        case "hasSkipped": return hasSkipped
        case "skippedCount": return skippedCount
        case "skipped": return skipped
        case "skippedTruncated": return skippedTruncated
        case "skippedTruncatedNote": return skippedTruncatedNote
        case "hasOverview": return hasOverview
        case "strategies": return strategies
        case "overview": return overview
        case "scale": return scale
        case "symbols": return symbols
        case "detailsInline": return detailsInline
        case "symbolRows": return symbolRows
        case "hasExecution": return hasExecution
        case "execCounts": return execCounts
        case "execGroups": return execGroups
        case "filesNote": return filesNote
        case "schemaVersion": return schemaVersion
        default: return nil
        }
    }
}

extension SymbolRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "symbol": return symbol
        case "href": return href
        case "bestHref": return bestHref
        case "bars": return bars
        case "strategy": return strategy
        case "params": return params
        case "score": return score
        case "ret": return ret
        case "retCls": return retCls
        case "bhReturn": return bhReturn
        case "bhCls": return bhCls
        case "sharpe": return sharpe
        case "maxDD": return maxDD
        case "trades": return trades
        default: return nil
        }
    }
}

extension SymbolPageView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "symbol": return symbol
        case "specName": return specName
        case "period": return period
        case "toolVersion": return toolVersion
        case "symbols": return symbols
        default: return nil
        }
    }
}
